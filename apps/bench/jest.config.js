module.exports = require('../../tools/test-infra/jest/unit.js')(__dirname, 'bench');

module.exports = require('../../test-infra/jest/unit.js')(__dirname, 'kubernetes');

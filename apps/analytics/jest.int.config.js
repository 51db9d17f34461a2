module.exports = require('../../tools/test-infra/jest/int.js')(__dirname, 'analytics');

module.exports = require('../jest/unit.js')(__dirname, 'stack-harness');

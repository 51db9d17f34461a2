module.exports = require('../jest/int.js')(__dirname, 'stack-harness');

module.exports = require('../../tools/jest/int.js')(__dirname, 'email');

module.exports = require('../../tools/jest/unit.js')(__dirname, 'web');

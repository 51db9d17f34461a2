module.exports = require('../../tools/jest/int.js')(__dirname, 'pipeline-e2e');

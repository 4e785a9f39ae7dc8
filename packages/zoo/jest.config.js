module.exports = { ...require('../../jest.preset.js'), displayName: 'zoo', rootDir: __dirname };

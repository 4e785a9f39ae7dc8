// Static checks of deploy/ (Dockerfile, compose stack, Helm chart) against the code they ship; no docker or helm.
module.exports = { ...require('../../jest.preset.js'), displayName: 'deploy', rootDir: __dirname };

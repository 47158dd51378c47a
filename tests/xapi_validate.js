// Validates xAPI statements with Learning Locker's xapi-validation (npm, pinned in parley_web/package-lock.json).
// stdin: a JSON array of statements; stdout: a JSON array with, per statement, the list of problems found.
const validate = require('../parley_web/node_modules/xapi-validation').default;
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const statements = JSON.parse(input);
  const problems = statements.map((s) => validate(s).map((w) => ({
    path: (w.path || []).join('.'), message: w.message || String(w.constructor && w.constructor.name),
  })));
  process.stdout.write(JSON.stringify(problems));
});

/**
 * The browser app's bundle, statically: no eval, no new Function / Function(), no string
 * timers, no absolute URL it could request (the browser tests in test/browser check the CSP
 * and record every foreign request at run time; this checks the code that ships, whatever
 * page or path a test happens to exercise). And the only bytes the app reads from files or
 * the network go through dnnkit's checked parsers (loadOnnxBytes, parseIdx).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { buildWeb } from '../../web/build.js';
import { repoPath } from '../helpers.js';

/** URLs that name things and are never requested. */
const NON_REQUEST_URLS = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1999/xlink']);

/** Every dynamic-code construct and absolute URL in a JavaScript source, as "line: what". */
export function dynamicCode(source: string, name: string): string[] {
  const sf = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found: string[] = [];
  const at = (n: ts.Node): string => `${name}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const isGlobal = (e: ts.Expression): boolean => ts.isIdentifier(e) && ['globalThis', 'window', 'self'].includes(e.text);
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
      let callee: ts.Expression = n.expression;
      while (ts.isParenthesizedExpression(callee)) callee = callee.expression;
      // (0, eval)(...) is an indirect eval: look at the last element of a comma expression.
      if (ts.isBinaryExpression(callee) && callee.operatorToken.kind === ts.SyntaxKind.CommaToken) callee = callee.right;
      const name = ts.isIdentifier(callee) ? callee.text
        : ts.isPropertyAccessExpression(callee) && isGlobal(callee.expression) ? callee.name.text : null;
      if (name === 'eval' || name === 'Function') found.push(`${at(n)}: ${name}(...)`);
      if ((name === 'setTimeout' || name === 'setInterval') && n.arguments?.[0] && ts.isStringLiteralLike(n.arguments[0])) found.push(`${at(n)}: ${name} with a string`);
    }
    if (ts.isStringLiteralLike(n) && /^(https?:|wss?:)?\/\/[a-z0-9]/i.test(n.text) && !NON_REQUEST_URLS.has(n.text)) found.push(`${at(n)}: absolute URL ${n.text}`);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('the checker itself finds eval, indirect eval, new Function, string timers and absolute URLs', () => {
  const bad = ['eval("1")', '(0, eval)("1")', 'globalThis.eval("x")', 'new Function("return 1")', 'Function("a", "return a")', 'window.Function("x")',
    'setTimeout("alert(1)", 1)', 'fetch("https://example.com/x")', 'const u = "//cdn.example.com/lib.js"'];
  for (const code of bad) assert.equal(dynamicCode(code, 'x.js').length, 1, code);
  const fine = ['model.eval()', 'class M { eval() { return 1; } }', 'setTimeout(() => 1, 5)', 'document.createElementNS("http://www.w3.org/2000/svg", "svg")', 'fetch("data/x.gz")', 'const f = function () {}'];
  for (const code of fine) assert.deepEqual(dynamicCode(code, 'x.js'), [], code);
});

test('the built browser bundle has no eval, no new Function, no string timers and no foreign URLs', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'dnnkit-web-bundle-'));
  try {
    await buildWeb({ outdir, minify: true });
    const files = readdirSync(join(outdir, 'js')).filter((f) => f.endsWith('.js'));
    assert.ok(files.length >= 4, `bundles: ${files.join(', ')}`);
    let bytes = 0;
    const found: string[] = [];
    for (const f of files) {
      const src = readFileSync(join(outdir, 'js', f), 'utf8');
      bytes += src.length;
      found.push(...dynamicCode(src, f));
    }
    assert.deepEqual(found, [], `dynamic code or foreign URLs in the bundle:\n${found.join('\n')}`);
    console.log(`web bundle: ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB checked`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test('the app reads file and network bytes only through the checked parsers', () => {
  // Every place in web/src that turns a File or a response into bytes must hand them to
  // loadOnnxBytes (through onnxSupport.summarize) or parseIdx in the same function.
  const dir = repoPath('web/src');
  const readers: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const src = readFileSync(join(dir, f), 'utf8');
    const sf = ts.createSourceFile(f, src, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ['arrayBuffer', 'text', 'json', 'bytes', 'readAsArrayBuffer', 'readAsText'].includes(n.expression.name.text)) {
        let fn: ts.Node = n;
        while (fn.parent && !ts.isFunctionLike(fn)) fn = fn.parent;
        const body = fn.getText(sf);
        readers.push(`${f}: ${n.getText(sf).slice(0, 60)}`);
        assert.match(body, /onnxSupport\.summarize\(|parseIdx\(|loadOnnxBytes\(/, `${f}: ${n.getText(sf)} does not go to a checked parser`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    assert.doesNotMatch(src, /JSON\.parse\(|innerHTML\s*=\s*[^'"`]/, `${f}: parses or injects text outside the parsers`);
  }
  assert.ok(readers.length >= 2, `expected the ONNX file input and the IDX fetch, found: ${readers.join('; ')}`);
  assert.match(readFileSync(join(dir, 'onnx.ts'), 'utf8'), /summarize\([^)]*\)[^{]*\{\s*const model = loadOnnxBytes\(/);
});

// bin/'s archive and restore entries are the rendered templates, byte for byte, and stay both a
// POSIX sh script and an ES module (design §1.3).
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFastPath, renderFastPathFiles } from '../../../../src/agent/fast-path/render.js';
import { shConstants } from '../../../../src/agent/layout.js';
import { binPath, repoRoot, run } from '../../../helpers/run.js';

const rendered = renderFastPathFiles(repoRoot);

describe('fast path rendering', () => {
  it('renders the four archive and restore executables, walship names and Barman aliases', () => {
    expect([...rendered.keys()].sort()).toEqual(['barman-wal-archive', 'barman-wal-restore', 'walship-archive', 'walship-restore']);
  });

  it.each([...rendered])('bin/%s is the committed rendering (run `npm run build` after editing a template)', (name, text) => {
    expect(readFileSync(binPath(name), 'utf8')).toBe(text);
    expect(statSync(binPath(name)).mode & 0o111).toBe(0o111);
  });

  it('leaves no placeholder, and uses only the layout’s names', () => {
    for (const text of rendered.values()) expect(text).not.toMatch(/@[A-Z][A-Z0-9_]*@/);
    expect(rendered.get('walship-archive')).toContain(`s=${shConstants().ARCHIVE_SLOT}\n`);
    expect(rendered.get('walship-restore')).toContain(`[ "$p" = ${shConstants().RECOVERY_XLOG_PATH} ]`);
  });

  it('refuses an unknown placeholder and a template whose sh part would end the JS comment early', () => {
    const ok = "#!/bin/sh\n':' /*\nexec node \"$0\" \"$@\"\n*/\nimport 'x';\n";
    expect(renderFastPath(ok, {})).toBe(ok);
    expect(() => renderFastPath(ok.replace('exec', '@NOPE@ exec'), {})).toThrow(/unknown placeholder @NOPE@/);
    expect(() => renderFastPath(ok.replace('exec', 'ls pg_wal/*/ ; exec'), {})).toThrow(/close it once/);
    expect(() => renderFastPath(ok.replace("':' ", ''), {})).toThrow(/open one JS comment/);
  });

  it.each(['dash', 'bash'])('parses under %s -n', async (shell) => {
    for (const name of rendered.keys()) {
      const r = await run([shell, '-n', binPath(name)]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }
  });

  it('parses as an ES module for node (the sh part is a string and one comment)', async () => {
    for (const name of rendered.keys()) {
      const r = await run([process.execPath, '--check', binPath(name)]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    }
  });

  it('renders for the single-file executable by changing only what the sh part execs', () => {
    const sea = renderFastPathFiles(repoRoot, { execTarget: '/usr/lib/walship/walship' });
    for (const [name, text] of rendered) {
      expect(sea.get(name)).toBe(text.replace('exec node "$0" "$@"', 'exec /usr/lib/walship/walship "$0" "$@"'));
    }
    expect(() => renderFastPathFiles(repoRoot, { execTarget: 'rm -rf /; node' })).toThrow(/unsafe exec target/);
  });
});

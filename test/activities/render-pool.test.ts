/**
 * PDFs drawn off the worker's event loop: the same bytes as drawn in place, by a thread that Linux
 * schedules after the worker's own (a higher nice value).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { renderLetterPdf } from '../../src/activities/letter';
import { RENDER_NICE, RenderPool } from '../../src/activities/render-pool';
import { HUIXQUILUCAN } from '../support/letters';

/** A thread's nice value (Linux): the 19th field of its stat line. */
function niceOf(tid: string | number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  } catch {
    return Number.NaN; // a thread that ended meanwhile
  }
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('the rendering threads', function () {
  this.timeout(60_000);
  let pool: RenderPool;

  before(function () {
    pool = new RenderPool();
  });

  after(async function () {
    await pool.close();
  });

  it('draw the letter byte for byte as the worker itself would (same SHA-256 wherever it is drawn)', async function () {
    const [inThread, inPlace] = await Promise.all([pool.letter(HUIXQUILUCAN), renderLetterPdf(HUIXQUILUCAN)]);
    assert.ok(Buffer.isBuffer(inThread));
    assert.equal(inThread.subarray(0, 5).toString(), '%PDF-');
    assert.deepEqual(inThread, inPlace);
  });

  it('run at a lower CPU priority than the rest of the worker, which keeps its own', async function () {
    if (process.platform !== 'linux') this.skip();
    // Only the threads a pool of this test's own starts: other pools of the test run (the process
    // tests' worker has one) keep theirs at the same nice value, in the same process.
    const before = new Set(readdirSync('/proc/self/task'));
    const mainNice = niceOf(process.pid);
    const own = new RenderPool();
    try {
      await own.letter(HUIXQUILUCAN);
      const started = readdirSync('/proc/self/task').filter((tid) => !before.has(tid));
      const niceness = started.map(niceOf);
      assert.equal(
        niceness.filter((n) => n === RENDER_NICE).length,
        1,
        `one rendering thread at nice ${RENDER_NICE} among the threads it started: ${niceness.join(' ')}`,
      );
      assert.equal(niceOf(process.pid), mainNice, 'the main thread keeps its priority');
    } finally {
      await own.close();
    }
  });

  it('refuse work once closed, rather than hang', async function () {
    const closed = new RenderPool();
    await closed.close();
    await assert.rejects(closed.letter(HUIXQUILUCAN), /the rendering threads are closed/);
  });
});

/**
 * Staff in the Temporal Web UI served by the dev server: a filter on AdhesionStage shows exactly
 * the expected processes, and a process's page shows its Spanish summary and details.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, screenshotsDir } from '../support/browser';
import { withdrawUpdate } from '../../src/domain/messages';
import { processEnv, type ProcessEnv } from '../support/process-env';
import { testInput, waitForState } from '../support/process-helpers';

const SCREENSHOTS = screenshotsDir();

describe('staff in the Temporal Web UI', function () {
  this.timeout(240_000);
  let env: ProcessEnv;
  let browser: Browser;
  const campaign = `w${randomBytes(3).toString('hex')}`;
  const inputs = [testInput({ campaign }), testInput({ campaign }), testInput({ campaign })];

  before(async function () {
    env = await processEnv();
    assert.ok(env.server.uiUrl, 'the dev server serves its Web UI');
    for (const input of inputs) await env.processes.start(input);
    await env.processes.update(`adhesion-${campaign}-${inputs[1]!.inegiCode}`, withdrawUpdate, {
      reason: 'prueba de la Web UI',
    });
    await waitForState(env, `adhesion-${campaign}-${inputs[1]!.inegiCode}`, (s) => s.stage === 'Withdrawn');
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
  });

  it('a filter on AdhesionStage shows exactly the expected processes', async function () {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const query = `AdhesionCampaign="${campaign}" AND AdhesionStage="AwaitingMunicipalSignature"`;
    const expected = [inputs[0]!, inputs[2]!].map((i) => `adhesion-${campaign}-${i.inegiCode}`);
    let shown: string[] = [];
    for (let attempt = 0; attempt < 20 && shown.length !== 2; attempt++) {
      await page.goto(
        `${env.server.uiUrl}/namespaces/${env.server.namespace}/workflows?query=${encodeURIComponent(query)}`,
      );
      await page.waitForLoadState('networkidle');
      const text = await page.locator('body').innerText();
      shown = inputs.map((i) => `adhesion-${campaign}-${i.inegiCode}`).filter((id) => text.includes(id));
      if (shown.length !== 2) await page.waitForTimeout(500);
    }
    assert.deepEqual(shown.sort(), expected.sort(), 'exactly the processes awaiting the municipal signature');
    await page.screenshot({ path: join(SCREENSHOTS, 'web-ui-filtro-etapa.png') });
    await page.close();
  });

  it('a process’s page shows its Spanish summary and current details', async function () {
    const input = inputs[0]!;
    const workflowId = `adhesion-${campaign}-${input.inegiCode}`;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${env.server.uiUrl}/namespaces/${env.server.namespace}/workflows/${workflowId}`);
    // The Web UI keeps summaries and details under "User Metadata".
    await page
      .getByRole('link', { name: 'User Metadata' })
      .or(page.getByRole('tab', { name: 'User Metadata' }))
      .first()
      .click();
    // Summary and current details are Markdown, which the Web UI renders in sandboxed frames.
    let text = '';
    const summary = `Adhesión de ${input.municipality} (clave INEGI ${input.inegiCode}) a Gobierno Abierto`;
    for (
      let attempt = 0;
      attempt < 60 && !(text.includes(summary) && text.includes('En espera de la firma municipal'));
      attempt++
    ) {
      await page.waitForTimeout(500);
      const frames = await Promise.all(
        page.frames().map((frame) =>
          frame
            .locator('body')
            .innerText()
            .catch(() => ''),
        ),
      );
      text = frames.join('\n');
    }
    assert.ok(text.includes(summary), 'the Spanish summary');
    assert.match(text, /Municipio de Prueba \d+ \(\d{5}\) — En espera de la firma municipal/);
    assert.match(text, /Se espera la firma de: ROMINA CONTRERAS CARRASCO/);
    assert.match(text, /Fecha límite: \d{4}-\d\d-\d\d/);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-ui-proceso.png') });
    await page.close();
  });
});

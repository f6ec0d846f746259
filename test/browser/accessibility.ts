import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * axe-core's WCAG 2.1 A and AA rules on the page as it is now; the serious and critical
 * violations, as readable lines (rule, impact, the first few offending elements), so a failure
 * says what to fix. `[]` when the view passes.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`)
          .join(' | ')}`,
    );
}

/** WCAG's contrast ratio of two CSS colours as the browser computes them (`rgb(…)`). */
export function contrast(a: string, b: string): number {
  const luminance = (css: string): number => {
    const [r, g, b2] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b2;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The focused element's ring (its outline colour; a chip's, for a chip's radio) and the background it is drawn on: the nearest
 * ancestor with an opaque background (the ring sits outside the element, offset from it).
 */
export async function focusRing(
  page: Page,
): Promise<{ ring: string; behind: string; width: number }> {
  // A string: the repo's tsconfig has no DOM types (this runs in the page).
  return page.evaluate(`(() => {
    // A chip's radio is invisible: its ring is drawn round the chip.
    const focused = document.activeElement.closest('.chip') ?? document.activeElement;
    const style = getComputedStyle(focused);
    let node = focused.parentElement;
    let behind = 'rgb(255, 255, 255)';
    while (node) {
      const background = getComputedStyle(node).backgroundColor;
      if (background && !/rgba\\(.*, 0\\)$/.test(background) && background !== 'transparent') {
        behind = background;
        break;
      }
      node = node.parentElement;
    }
    return {
      ring: style.outlineStyle === 'none' ? 'none' : style.outlineColor,
      behind,
      width: parseFloat(style.outlineWidth) || 0,
    };
  })()`);
}

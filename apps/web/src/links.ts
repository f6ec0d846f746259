/**
 * What a mailed link or Stripe's return hands the page, read once and then taken off the address
 * bar (history.replaceState), so a reload, a bookmark or a shared screen never repeats or shows it.
 */

/** A mailed link: `/#verify-email=<token>` or `/#reset-password=<token>` (libs/config PublicUrls). */
export interface MailedLink {
  kind: 'verify-email' | 'reset-password';
  token: string;
}

/** Stripe Checkout's return: `/?checkout=success|cancel&purchase=<id>`. */
export interface CheckoutReturn {
  outcome: 'success' | 'cancel';
  purchaseId: string | null;
}

export function takeMailedLink(): MailedLink | null {
  const found = /^#(verify-email|reset-password)=([^&]+)$/.exec(location.hash);
  if (!found) {
    return null;
  }
  replaceUrl(location.search);
  let token: string;
  try {
    token = decodeURIComponent(found[2]);
  } catch {
    token = found[2];
  }
  return { kind: found[1] as MailedLink['kind'], token };
}

/**
 * A link to one infograph, `/#infograph=<id>`: what a push notification or an e-mail opens
 * (libs/notify). Returns its id.
 */
export function takeInfographLink(hash: string = location.hash): string | null {
  const found = /^#infograph=([A-Za-z0-9-]{1,64})$/.exec(hash);
  if (!found) {
    return null;
  }
  if (hash === location.hash) {
    replaceUrl(location.search);
  }
  return found[1];
}

export function takeCheckoutReturn(): CheckoutReturn | null {
  const params = new URLSearchParams(location.search);
  const outcome = params.get('checkout');
  if (outcome !== 'success' && outcome !== 'cancel') {
    return null;
  }
  const purchaseId = params.get('purchase');
  params.delete('checkout');
  params.delete('purchase');
  const rest = params.toString();
  replaceUrl((rest ? `?${rest}` : '') + location.hash);
  return { outcome, purchaseId };
}

/** `tail`: the query and fragment to keep. */
function replaceUrl(tail: string): void {
  history.replaceState(history.state, '', `${location.pathname}${tail}`);
}

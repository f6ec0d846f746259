/**
 * Every URL we hand out under PUBLIC_API_URL, built in one place so that the create answer, the
 * e-mails, the webhook URLs we give fal and the local driver's image URLs can never disagree with
 * each other or with the routes that answer them. Clients, fal and stored rows hold these URLs,
 * so their shape is wire format: change one only together with its route.
 */
export class PublicUrls {
  private readonly base: string;

  /** `publicUrl` is `AppConfig.api.publicUrl`; a trailing slash is dropped so joins never double it. */
  constructor(publicUrl: string) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  /** `GET /api/infographs/status/:id/`: where a client follows one infograph. */
  statusOf(infographId: string): string {
    return `${this.base}/api/infographs/status/${encodeURIComponent(infographId)}/`;
  }

  /**
   * `POST /api/infographs/webhook/:id/`, without its query: libs/fal adds the token that binds the
   * URL to this infograph (`FalWebhookUrls.forInfograph`).
   */
  falWebhookOf(infographId: string): string {
    return `${this.base}/api/infographs/webhook/${encodeURIComponent(infographId)}/`;
  }

  /**
   * The web page, told to confirm an e-mail address: it POSTs the token to `/api/auth/verify/`.
   * The token rides in the fragment, which browsers never send to a server, so it reaches no
   * access log, proxy or Referer header.
   */
  verifyEmailLink(token: string): string {
    return `${this.base}/#verify-email=${encodeURIComponent(token)}`;
  }

  /** The web page, told to ask for a new password (`/api/auth/password-reset/confirm/`). */
  passwordResetLink(token: string): string {
    return `${this.base}/#reset-password=${encodeURIComponent(token)}`;
  }

  /** `GET /files/<key>`: an object of the local storage driver, each key segment URL-encoded. */
  file(key: string): string {
    return `${this.base}/files/${key.split('/').map(encodeURIComponent).join('/')}`;
  }
}

import { html } from "../html.js";
import { renderPage } from "./layout.js";

export function renderLoginPage(message: string | null): string {
  const body = html`<section class="login">
    <h1>Log in</h1>
    ${message ? html`<p class="error">${message}</p>` : ""}
    <p>Run <code>berth dashboard</code> on the server and open the link it prints, or paste its token here. A token works once.</p>
    <form method="post" action="/login">
      <input name="token" type="password" autocomplete="off" placeholder="login token" aria-label="login token" required>
      <button type="submit" class="primary">Log in</button>
    </form>
  </section>`;
  return renderPage({ title: "Log in", page: "login", body });
}

// Simulating a customer on the canvas: a stored customer run through the
// saved version in simulated time (POST /v1/journeys/{id}/simulate;
// nothing is stored or sent), their path highlighted on the canvas and
// each message they would get drawn beside it by the console's shared
// preview (preview.js: email in a sandboxed frame at desktop and phone
// widths, LINE as LINE draws it, push as Android and iOS notifications),
// each headed by a button that selects its node.

export function simulator(o) {
  // o: {t, api, id, say(text, cls), highlight(nodes), select(id), problem(res)}
  const form = document.getElementById("simulate-form");
  const panel = document.getElementById("sim-messages");
  const list = document.getElementById("sim-list");
  if (!form) return;
  const t = o.t;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const customer = document.getElementById("simulate-customer").value.trim();
    const p = await o.api("GET", "/v1/profiles/" + encodeURIComponent(customer));
    if (!p.ok) { o.say(p.status === 404 ? t("js.preview.nocustomer", customer) : o.problem(p), "error"); return; }
    const prof = p.body, a = prof.addresses || {};
    const res = await o.api("POST", "/v1/journeys/" + encodeURIComponent(o.id) + "/simulate", {
      userId: prof.id, profile: { id: prof.id, traits: prof.traits, tags: prof.tags, email: a.email, phone: a.phone,
        lineUserId: a.lineUserId, pushTokens: a.pushTokens, timezone: prof.timezone, locale: prof.locale }
    });
    if (!res.ok) { o.say(o.problem(res), "error"); return; }
    const r = res.body || {};
    o.highlight(new Set((r.steps || []).map((s) => s.node)));
    o.say(r.entered ? t("js.editor.simulated", customer, (r.steps || []).map((s) => s.node).join(" → "), r.outcome || "") : t("js.preview.notentered", r.reason || ""), "ok");
    show(r.messages || []);
  });

  function show(messages) {
    list.textContent = "";
    for (const m of messages) {
      const li = document.createElement("li");
      li.dataset.node = m.node;
      const head = document.createElement("button");
      head.type = "button";
      head.className = "link sim-node";
      head.textContent = t("js.editor.sim.message", m.node, new Date(m.at).toLocaleString());
      head.addEventListener("click", () => o.select(m.node));
      li.appendChild(head);
      if (window.tabijiPreview) li.appendChild(window.tabijiPreview.message(m));
      list.appendChild(li);
    }
    if (!messages.length) {
      const li = document.createElement("li");
      li.className = "hint";
      li.textContent = t("js.preview.nomessages");
      list.appendChild(li);
    }
    panel.hidden = false;
  }
}

// The operator console: a client of Agora's public GraphQL API (at /console/graphql, signed
// in by an HttpOnly cookie; every state-changing request carries the double-submit token).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const DAYS = 30;
  // leaving: the operator signed out; a 401 or a 4401 close that follows is that, not news.
  const state = { currency: "CNY", socket: null, leaving: false };
  window.consoleTimings = {};

  function csrf() {
    const found = document.cookie.split("; ").find((c) => c.startsWith("agora_console_csrf="));
    return found ? decodeURIComponent(found.split("=")[1]) : "";
  }

  class SignedOut extends Error {}

  async function gql(query, variables) {
    const response = await fetch("/console/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json",
        "x-csrf-token": csrf() },
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    if (response.status === 401 || response.status === 403) throw new SignedOut();
    const body = await response.json();
    if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join("; "));
    return body.data;
  }

  function show(signedIn) {
    $("sign-in").hidden = signedIn;
    $("dashboard").hidden = !signedIn;
    $("whoami").hidden = !signedIn;
  }

  function stopLive() {
    clearTimeout(redraw);
    if (state.socket) {
      state.socket.onclose = null;
      state.socket.close();
      state.socket = null;
    }
  }

  function signedOut(message) {
    stopLive();
    show(false);
    $("sign-in-error").textContent = message || "";
  }

  async function guarded(work) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SignedOut)) $("queue-error").textContent = error.message;
      else if (!state.leaving) signedOut("Your console session has ended: sign in again.");
    }
  }

  // --- signing in and out -------------------------------------------------------------------
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("sign-in-error").textContent = "";
    state.leaving = false;
    const response = await fetch("/console/session", {
      method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" },
      body: JSON.stringify({ login: $("login").value, password: $("password").value }),
    });
    const body = await response.json();
    $("password").value = "";
    if (!response.ok) return signedOut(`${body.error.code}: ${body.error.message}`);
    start();
  });

  $("sign-out").addEventListener("click", async () => {
    state.leaving = true;
    stopLive();  // the session's end closes the socket with 4401 and fails a pending redraw
    const response = await fetch("/console/session/end", { method: "POST", credentials: "same-origin",
      headers: { "x-csrf-token": csrf() } });
    signedOut(response.ok ? "Signed out." : `Signing out failed (${response.status}): try again.`);
  });

  // --- the dashboard ------------------------------------------------------------------------
  const DASHBOARD = `query ConsoleDashboard($currency: String!, $days: Int!, $from: Date!, $to: Date!) {
    dailyVolume(currency: $currency, days: $days) { day businessLine count amount { amount } }
    revenue(currency: $currency, from: $from, to: $to, groupBy: STREAM) {
      lines { key net { amount currency } } }
    portfolioQuality(currency: $currency) { bucket loans outstandingPrincipal { amount } }
    bookQualityByGrade(currency: $currency) {
      grade loans outstandingPrincipal { amount } overduePrincipal { amount } }
  }`;

  const number = (money) => parseFloat(money.amount);

  // Every day of the window, quiet ones too, ending on the latest day with volume (the
  // platform's clock, which a demo may have moved ahead of the browser's).
  function lastDays(found, count) {
    if (!found.length) return [];
    const end = new Date([...found].sort().pop() + "T00:00:00Z");
    return Array.from({ length: count }, (_, i) =>
      new Date(end.getTime() - (count - 1 - i) * 86400000).toISOString().slice(0, 10));
  }

  async function drawDashboard() {
    const today = new Date();
    const from = new Date(today.getTime() - (DAYS - 1) * 86400000);
    const data = await gql(DASHBOARD, { currency: state.currency, days: DAYS,
      from: from.toISOString().slice(0, 10), to: today.toISOString().slice(0, 10) });
    const days = lastDays(data.dailyVolume.map((v) => v.day), DAYS);
    const lines = [...new Set(data.dailyVolume.map((v) => v.businessLine))].sort();
    const series = lines.map((line) => ({ name: line.toLowerCase().replace(/_/g, " "),
      values: days.map((day) => data.dailyVolume.filter((v) => v.day === day && v.businessLine === line)
        .reduce((sum, v) => sum + number(v.amount), 0)) }));
    AgoraCharts.stackedColumns($("chart-volume"), days.map((d) => d.slice(5)), series,
      { emptyText: "no volume in the last " + DAYS + " days" });
    const streams = [...data.revenue.lines].sort((a, b) => number(b.net) - number(a.net));
    AgoraCharts.bars($("chart-revenue"), streams.map((r) => ({ label: r.key,
      value: Math.max(number(r.net), 0), text: `${r.net.amount} ${r.net.currency}` })),
      { emptyText: "no revenue in the last " + DAYS + " days" });
    AgoraCharts.bars($("chart-buckets"), data.portfolioQuality.map((b, i) => ({
      label: b.bucket.replace("DPD_", "").replace(/_/g, "-").toLowerCase(), value: number(b.outstandingPrincipal),
      text: `${AgoraCharts.compact(number(b.outstandingPrincipal))} · ${b.loans} loans`,
      color: i === 0 ? "#27ae60" : AgoraCharts.PALETTE[(i + 1) % AgoraCharts.PALETTE.length] })),
      { emptyText: "no active loans" });
    AgoraCharts.bars($("chart-grades"), data.bookQualityByGrade.map((g) => ({ label: `grade ${g.grade}`,
      value: number(g.outstandingPrincipal),
      text: `${AgoraCharts.compact(number(g.outstandingPrincipal))} · ${AgoraCharts.compact(number(g.overduePrincipal))} overdue` })),
      { emptyText: "no active loans" });
    if (!window.consoleTimings.chartsDrawn) {
      window.consoleTimings.chartsDrawn = performance.now();
      const paint = performance.getEntriesByType("paint").find((p) => p.name === "first-paint");
      window.consoleTimings.firstPaint = paint ? paint.startTime : 0;
    }
    document.body.dataset.chartsDrawn = "1";
  }

  // Figures move with events: redraw once a burst of them has passed.
  let redraw = null;
  function redrawSoon() {
    clearTimeout(redraw);
    redraw = setTimeout(() => guarded(drawDashboard), 1500);
  }

  // --- live events, over the same subscription clients use ---------------------------------
  function follow() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/console/graphql`, "graphql-transport-ws");
    state.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: { csrf: csrf() } }));
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "events", type: "subscribe", payload: {
          query: "subscription { events { cursor type occurredAt aggregateType aggregateId } }" } }));
        $("live-state").textContent = "live";
        $("live-state").classList.add("live");
      } else if (frame.type === "next" && frame.payload.data) {
        const event = frame.payload.data.events;
        const item = document.createElement("li");
        item.className = "event";
        item.dataset.type = event.type;
        item.textContent = `${event.occurredAt.slice(11, 19)} ${event.type} ${event.aggregateType} ${event.aggregateId.slice(0, 8)}`;
        $("live-events").prepend(item);
        while ($("live-events").children.length > 50) $("live-events").lastChild.remove();
        redrawSoon();
      } else if (frame.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    };
    socket.onclose = (closed) => {
      $("live-state").textContent = closed.code === 4401 ? "session ended" : "disconnected";
      $("live-state").classList.remove("live");
      if (closed.code === 4401 && !state.leaving) {
        signedOut("Your console session has ended: sign in again.");
      }
    };
  }

  // --- work queues: each action the API's own mutation, its typed errors shown ---------------
  function key() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const QUEUES = [
    { table: "queue-kyc", columns: ["Legal name", "Document", "Submitted"],
      query: `{ kycSubmissions(status: PENDING, first: 20) {
        id legalName documentType documentNumberMasked submittedAt } }`,
      rows: (d) => d.kycSubmissions,
      cells: (s) => [s.legalName, `${s.documentType} ${s.documentNumberMasked}`, s.submittedAt.slice(0, 16)],
      note: "reason (to reject)",
      actions: [["Verify", "VERIFY"], ["Reject", "REJECT"]],
      mutation: `mutation ($input: DecideKycInput!) { decideKyc(input: $input) {
        submission { id status } errors { code message field } } }`,
      variables: (s, decision, note) => ({ input: { submissionId: s.id, decision, reason: note || null } }),
      payload: (d) => d.decideKyc },
    { table: "queue-loans", columns: ["Amount", "Term", "Score"],
      query: `{ loanApplications(status: REVIEW, first: 20) { nodes {
        id amount { amount currency } termMonths score grade purpose } } }`,
      rows: (d) => d.loanApplications.nodes,
      cells: (a) => [`${a.amount.amount} ${a.amount.currency}`, `${a.termMonths} mo`, `${a.score ?? "–"} ${a.grade ?? ""}`],
      note: "reason",
      actions: [["Approve", "APPROVE"], ["Decline", "DECLINE"]],
      mutation: `mutation ($input: DecideLoanReviewInput!) { decideLoanReview(input: $input) {
        application { id status } errors { code message field } } }`,
      variables: (a, decision, note) => ({ input: { applicationId: a.id, decision, reason: note } }),
      payload: (d) => d.decideLoanReview },
    { table: "queue-disputes", columns: ["Reason", "State", "Opened"],
      query: `{ paymentDisputes(openOnly: true) { id paymentId reason state openedAt } }`,
      rows: (d) => d.paymentDisputes,
      cells: (x) => [x.reason, x.state, x.openedAt.slice(0, 16)],
      note: "note",
      actions: [["Release", "RELEASE"], ["Refund", "REFUND"]],
      mutation: `mutation ($input: ResolveDisputeInput!, $key: String!) {
        resolveDispute(input: $input, idempotencyKey: $key) {
        dispute { id state } errors { code message field } } }`,
      variables: (x, resolution, note) => ({ input: { disputeId: x.id, resolution, note }, key: key() }),
      payload: (d) => d.resolveDispute },
    { table: "queue-campaigns", columns: ["Title", "Kind", "Goal"],
      query: `{ campaigns(filter: { state: SUBMITTED }, first: 20) { nodes {
        id title kind goal { amount currency } } } }`,
      rows: (d) => d.campaigns.nodes,
      cells: (c) => [c.title, c.kind, `${c.goal.amount} ${c.goal.currency}`],
      note: "reason (to reject)",
      actions: [["Approve", true], ["Reject", false]],
      mutation: `mutation ($input: ReviewCampaignInput!) { reviewCampaign(input: $input) {
        campaign { id state } errors { code message field } } }`,
      variables: (c, approve, note) => ({ input: { campaignId: c.id, approve, reason: note } }),
      payload: (d) => d.reviewCampaign },
    // Insurers decide their claims (decideClaim is theirs alone): operators watch the open
    // ones and those approved but not yet paid from the insurer's account, read-only.
    { table: "queue-claims", columns: ["Loss", "State", "Opened", "Pay by"],
      query: `{ open: insuranceClaims(state: OPEN, first: 20) {
        id state automatic loss { amount currency } approved { amount currency } createdAt payBy }
        unpaid: insuranceClaims(state: APPROVED_UNPAID, first: 20) {
        id state automatic loss { amount currency } approved { amount currency } createdAt payBy } }`,
      rows: (d) => [...d.open, ...d.unpaid],
      cells: (c) => [
        `${c.loss.amount} ${c.loss.currency}`,
        c.state === "APPROVED_UNPAID" ? `${c.state} (${c.approved.amount} approved)` : c.state,
        `${c.createdAt.slice(0, 16)}${c.automatic ? " (automatic)" : ""}`,
        c.payBy ? c.payBy.slice(0, 16) : "–"],
      readOnly: "the insurer decides",
      actions: [] },
    // Books, read-only. Supply-chain finance: what each core enterprise owes its programme
    // (confirmed certificates, per currency) beside the platform book's line on it.
    { table: "book-scf", columns: ["Core enterprise", "Owed", "Certificates", "Platform book"],
      query: `{ supplyChainProgrammeTotals { buyerId amount { amount currency } certificates overdue }
        supplyChainPlatformBooks { coreEnterpriseId allowed discountRate
        limit { amount currency } used { amount } } }`,
      rows: programmes,
      cells: (p) => [shortId(p.id),
        p.total ? `${p.total.amount.amount} ${p.total.amount.currency}` : "–",
        p.total ? `${p.total.certificates}${p.total.overdue ? ` (${p.total.overdue} overdue)` : ""}` : "–",
        !p.book ? "–" : !p.book.allowed ? "not allowed"
          : `${p.book.used.amount} of ${p.book.limit.amount} ${p.book.limit.currency} used at ${p.book.discountRate}`],
      readOnly: "read-only", empty: "no programme yet",
      actions: [] },
    // Lending plans, newest first: their window, then their maturity and exit.
    { table: "book-plans", columns: ["Plan", "State", "Subscribed", "Maturity · exit"],
      query: `{ lendingPlans { id name state termMonths targetRate currency investors
        capacity { amount } subscribed { amount } maturesAt exitDeadline maturedAt exitedAt
        realised { amount } fee { amount } } }`,
      rows: (d) => d.lendingPlans,
      cells: (p) => [`${p.name} (${p.termMonths} mo, target ${p.targetRate})`, p.state,
        `${p.subscribed.amount} of ${p.capacity.amount} ${p.currency} · ${p.investors} investors`,
        p.exitedAt ? `exited ${p.exitedAt.slice(0, 10)}: ${p.realised.amount} realised, ${p.fee.amount} fee`
          : `${p.maturedAt ? "matured " + p.maturedAt.slice(0, 10) : "matures " + p.maturesAt.slice(0, 10)}, exit by ${p.exitDeadline.slice(0, 10)}`],
      readOnly: "read-only", empty: "no plan yet",
      actions: [] },
  ];

  // One row a core enterprise and currency owed; a book on one that owes nothing yet, too.
  function programmes(d) {
    const books = new Map(d.supplyChainPlatformBooks.map((b) => [b.coreEnterpriseId, b]));
    const rows = d.supplyChainProgrammeTotals.map((t) => ({ id: t.buyerId, total: t, book: books.get(t.buyerId) }));
    const owing = new Set(rows.map((r) => r.id));
    d.supplyChainPlatformBooks.filter((b) => !owing.has(b.coreEnterpriseId))
      .forEach((b) => rows.push({ id: b.coreEnterpriseId, total: null, book: b }));
    return rows;
  }

  // A participant's global id ("Participant:<uuid>", URL-safe base64) as the events list
  // shows ids: the uuid's first eight characters.
  function shortId(id) {
    return atob(id.replace(/-/g, "+").replace(/_/g, "/")).split(":").pop().slice(0, 8);
  }

  function cell(row, text, tag) {
    const node = document.createElement(tag || "td");
    node.textContent = text;
    row.appendChild(node);
    return node;
  }

  async function loadQueue(queue) {
    const table = $(queue.table);
    const items = queue.rows(await gql(queue.query));
    table.replaceChildren();
    const head = document.createElement("tr");
    [...queue.columns, ""].forEach((c) => cell(head, c, "th"));
    table.appendChild(head);
    if (!items.length) {
      const row = document.createElement("tr");
      const none = cell(row, queue.empty || "nothing waiting");
      none.className = "empty";
      none.colSpan = queue.columns.length + 1;
      table.appendChild(row);
    }
    for (const item of items) {
      const row = document.createElement("tr");
      row.dataset.id = item.id;
      queue.cells(item).forEach((text) => cell(row, text));
      const actions = cell(row, queue.readOnly || "");
      actions.className = queue.readOnly ? "read-only" : "actions";
      table.appendChild(row);
      if (queue.readOnly) continue;
      const note = document.createElement("input");
      note.placeholder = queue.note;
      actions.appendChild(note);
      const problem = document.createElement("div");
      problem.className = "row-error";
      for (const [label, decision] of queue.actions) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.dataset.action = String(decision);
        button.addEventListener("click", () => guarded(async () => {
          problem.textContent = "";
          const answer = queue.payload(await gql(queue.mutation, queue.variables(item, decision, note.value)));
          if (answer.errors.length) {
            problem.textContent = answer.errors.map((e) => `${e.code}: ${e.message}${e.field ? ` (${e.field})` : ""}`).join("; ");
            return;
          }
          row.remove();
          drawDashboard().catch(() => {});
        }));
        actions.appendChild(button);
      }
      actions.appendChild(problem);
    }
  }

  async function start() {
    await guarded(async () => {
      const who = await gql("{ me { displayName } platform { currency } }");
      state.currency = who.platform.currency;
      $("operator-name").textContent = who.me.displayName;
      show(true);
      follow();
      await drawDashboard();
      await Promise.all(QUEUES.map(loadQueue));
    });
  }

  if (csrf()) start(); else show(false);
})();

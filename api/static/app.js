// bayplan pages: plan generation and the booking desk. Calls the /v1 API with the sign-in cookie.
"use strict";

// The page's texts in its language: a JSON block the server renders into every page (base.html).
const TEXTS = (() => {
  const block = document.getElementById("texts");
  try { return block ? JSON.parse(block.textContent) : {}; } catch (e) { return {}; }
})();

// t("booked", {id: "B1"}): the text for `key` with its %(name)s placeholders filled in.
function t(key, values) {
  const text = TEXTS[key] || key;
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
}

async function api(method, path, body, extraHeaders) {
  const headers = Object.assign({ "Accept": "application/json" }, extraHeaders || {});
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {  // no answer at all (the network gone): status 0, which `problem` says in words
    return { status: 0, data: null };
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { status: response.status, data };
}

// A page opened with ?now= (a day replayed) asks the slot and booking routes for that moment too.
const PAGE_NOW = new URLSearchParams(window.location.search).get("now");
function atPageNow(path) {
  return PAGE_NOW ? path + (path.includes("?") ? "&" : "?") + "now=" + encodeURIComponent(PAGE_NOW) : path;
}

// What an error answer says: its detail, and a refusal's (409) `reason` after it when it has one
// (the rule that blocks it: "no loan car free until 16:00", "day 2026-11-25: …", "parts arrive …").
function problem(result) {
  if (result.status === 0) return t("no_answer");
  const d = result.data && result.data.detail;
  if (Array.isArray(d)) {
    return d.map((e) => {
      const field = (e.loc || []).slice(1).join(".");
      if (!field) return e.msg;
      // The field in the reader's words where the page has them (TEXTS.field_<name>), else its name.
      return t("field_problem", { field: TEXTS["field_" + field] || field, problem: e.msg });
    }).join("; ");
  }
  if (typeof d === "string") {
    const why = result.data.reason;
    return typeof why === "string" && why && why !== d ? t("problem_reason", { problem: d, reason: why }) : d;
  }
  return "HTTP " + result.status;
}

function timeOf(iso) {
  return iso.slice(11, 16);
}

// How the page names a day beside a time (the booking page's `day-format` block, Translator.
// short_day_format): null, the ISO date (English); else a pattern and the month and weekday names.
const DAY_FORMAT = (() => {
  const block = document.getElementById("day-format");
  try { return block ? JSON.parse(block.textContent) : null; } catch (e) { return null; }
})();

// "2026-11-25" as the plan page and the technician's page name it: "11月25日 周三" in Chinese.
function shortDay(date) {
  const f = DAY_FORMAT;
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!f || !d) return date;
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;  // Monday first
  const values = { MMM: f.months[month - 1], d: String(day), EEE: f.weekdays[weekday] };
  return f.pattern.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
}

// A promise's time, with its day (shortDay) when it is on another day than `dayOf` (both local
// ISO times).
function whenOf(iso, dayOf) {
  return iso.slice(0, 10) === (dayOf || "").slice(0, 10) ? timeOf(iso) : shortDay(iso.slice(0, 10)) + " " + timeOf(iso);
}

// Minutes after midnight of a local ISO time: the workshop's wall clock, as the API gives it.
function minuteOf(iso) {
  return Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
}

// An explained slot answer as the desk reads it: the refused times in time order, consecutive ones
// with the same reason grouped into one line, {first, last, reason} (an offered time ends a line).
// A time between the booking grid's (`grid` minutes) is refused for that alone ("drop-offs are
// offered every 30 min; …") unless the times around it are refused for the same reason (the past, a
// closed day, an advisor away): such a time neither breaks nor joins the line around it and is set
// aside, each reason once, with no times (`aside`). `count`: the refused times on the grid.
function refusalLines(refused, offered, grid) {
  const onGrid = (iso) => !(grid > 0) || minuteOf(iso) % grid === 0;
  const events = offered.map((s) => ({ at: s.drop_off, reason: null }))
    .concat(refused.map((r) => ({ at: r.drop_off, reason: r.reason })))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const lines = [];
  const aside = [];
  let run = null;
  let pending = [];  // times between the grid's since the last line's, not yet placed
  const setAside = (list) => {
    for (const p of list) if (!aside.includes(p.reason)) aside.push(p.reason);
  };
  for (const e of events) {
    if (e.reason === null) {  // offered: the line ends
      setAside(pending);
      pending = [];
      run = null;
    } else if (run && e.reason === run.reason) {
      setAside(pending);
      pending = [];
      run.last = e.at;
    } else if (!onGrid(e.at)) {
      pending.push(e);
    } else {  // a new line; the times just before it with its reason start it
      let start = pending.length;
      while (start > 0 && pending[start - 1].reason === e.reason) start -= 1;
      setAside(pending.slice(0, start));
      run = { first: start < pending.length ? pending[start].at : e.at, last: e.at, reason: e.reason };
      pending = [];
      lines.push(run);
    }
  }
  setAside(pending);
  return { lines, aside, count: refused.filter((r) => onGrid(r.drop_off)).length };
}

// The workshop's time zone as the server's tz database has it (the booking page's `workshop-zone`
// block, api/pages.py zone_offsets): `offsets`, each [from, minutes]: from that UTC instant (ms)
// the UTC offset is that many minutes, until the next; `until`: the end of what is known.
const ZONE = (() => {
  const block = document.getElementById("workshop-zone");
  try { return block ? JSON.parse(block.textContent) : null; } catch (e) { return null; }
})();

// The offset (minutes) in force at the UTC instant `ms`; null outside what `zone` covers.
function offsetAt(zone, ms) {
  if (!zone || !Array.isArray(zone.offsets) || !zone.offsets.length) return null;
  if (!(ms >= zone.offsets[0][0] && ms < zone.until)) return null;
  let minutes = null;
  for (const [from, offset] of zone.offsets) {
    if (from > ms) break;
    minutes = offset;
  }
  return minutes;
}

// A wall-clock date ("2027-03-29") and time ("14:00") in the workshop's zone as an aware ISO time
// with the offset in force at that moment, not today's ("2027-03-29T14:00:00+02:00" in Berlin):
// the offset before or after a change that maps the wall time back onto itself; in an hour that
// happens twice (autumn) the first; in one that never happens (spring) the offset before it, as
// Python's zoneinfo reads such a time (fold=0). Null: not a date and time, or outside `zone`.
function zonedIso(zone, date, time) {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || "");
  const hm = /^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(time || "");
  if (!d || !hm) return null;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(hm[1]), Number(hm[2]));
  if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 10) !== date) return null;
  const day = 24 * 60 * 60 * 1000;
  const before = offsetAt(zone, wall - day);
  const after = offsetAt(zone, wall + day);
  if (before === null || after === null) return null;
  const fits = [before, after].filter((o) => offsetAt(zone, wall - o * 60000) === o);
  const minutes = fits.length ? Math.max(...fits) : before;
  const abs = Math.abs(minutes);
  const hhmm = String(Math.floor(abs / 60)).padStart(2, "0") + ":" + String(abs % 60).padStart(2, "0");
  return `${date}T${hm[1]}:${hm[2]}:00${minutes < 0 ? "-" : "+"}${hhmm}`;
}

// An aware ISO time on the workshop's clock, "2027-03-29T14:00" (whenOf reads it); as given when
// `zone` does not cover it.
function localIso(zone, iso) {
  const ms = Date.parse(iso);
  const minutes = Number.isNaN(ms) ? null : offsetAt(zone, ms);
  return minutes === null ? iso : new Date(ms + minutes * 60000).toISOString().slice(0, 16);
}

// A parts ETA typed in a date box and a time box, on the workshop's clock (the page's zone offsets,
// zonedIso): {eta: aware ISO time} (a time alone on `day`), {eta: null} when both are empty,
// {invalid: true} otherwise (a date without a time, a date the zone offsets do not cover, a
// half-typed date or time). Both boxes get aria-invalid accordingly. The one reading of the new
// booking's "Parts arrive" field and of a stored booking's parts ETA change.
function wallEta(dateBox, timeBox, day) {
  const date = dateBox.value;
  const time = timeBox.value;
  // A half-typed date or time reads as empty; the browser says it is not valid.
  const typed = !dateBox.validity.valid || !timeBox.validity.valid;
  let eta = null;
  if (time) eta = zonedIso(ZONE, date || day, time);
  const invalid = typed || (Boolean(date) && !time) || (Boolean(time) && eta === null);
  for (const box of [dateBox, timeBox]) box.setAttribute("aria-invalid", invalid ? "true" : "false");
  return invalid ? { invalid: true } : { eta };
}

const pageLoaded = Date.now();

function serverNow(element) {
  const at = Date.parse(element.dataset.now || "");
  return Number.isNaN(at) ? new Date() : new Date(at + (Date.now() - pageLoaded));
}

function setupPlan() {
  const bar = document.querySelector(".toolbar[data-workshop]");
  if (!bar) return;
  const status = document.getElementById("status");
  const run = async (button, overrun) => {
    const limit = Math.max(1, Math.min(60, Number(document.getElementById("limit").value) || 10));
    document.querySelectorAll(".toolbar button").forEach((b) => (b.disabled = true));
    status.textContent = t("planning", { limit });
    const started = Date.now();
    const tick = setInterval(() => {
      status.textContent = t("planning_tick", { elapsed: Math.round((Date.now() - started) / 1000), limit });
    }, 500);
    const body = { date: bar.dataset.date, time_limit_seconds: limit };
    // With a plan on the wall, "Re-plan now" keeps work that has started where it is. "Now" is the
    // server's clock (sent with the page) run on since the page loaded, not this device's clock.
    if (bar.dataset.planned === "yes") body.now = serverNow(bar).toISOString();
    if (overrun) body.overruns = [overrun];
    const result = await api("POST", `/v1/workshops/${bar.dataset.workshop}/plans`, body);
    clearInterval(tick);
    if (result.status === 200) {
      status.textContent = t("plan_ready", { count: result.data.assignments.length });
      window.location.reload();
    } else {
      status.innerHTML = "";
      const p = document.createElement("span");
      p.className = "error";
      p.textContent = t("could_not_plan", { problem: problem(result) });
      status.appendChild(p);
      document.querySelectorAll(".toolbar button").forEach((b) => (b.disabled = false));
    }
  };
  document.getElementById("generate").addEventListener("click", (e) => run(e.target));
  // A job running late: the foreman gives its expected end and the day is re-planned around it.
  const form = document.getElementById("overrun");
  let chosen = null;
  const openOverrun = (g) => {
    chosen = g;
    // The dialog's title names the bar clicked: its vehicle (plate, else booking) and operation.
    const step = [g.dataset.service, g.dataset.step].filter(Boolean).join(" · ");
    document.getElementById("overrun-bar").textContent = t("overrun_bar", {
      // the operation's number in its booking (data-number: a multi-day repair's later day goes on from
      // its earlier days'), not its index in the day's plan (data-operation, what the re-plan takes)
      vehicle: g.dataset.vehicle || g.dataset.booking, number: Number(g.dataset.number || Number(g.dataset.operation) + 1), step,
    });
    document.getElementById("overrun-what").textContent = g.getAttribute("aria-label");
    const end = g.dataset.end;  // local ISO time with its offset, e.g. 2026-11-24T10:30:00+08:00
    const minutes = Number(end.slice(11, 13)) * 60 + Number(end.slice(14, 16)) + 30;
    const hh = String(Math.min(23, Math.floor(minutes / 60))).padStart(2, "0");
    document.getElementById("overrun-end").value = hh + ":" + String(minutes % 60).padStart(2, "0");
    form.hidden = false;
    document.getElementById("overrun-end").focus();
  };
  // Listeners on the chart's container, not on each bar: they outlive a chart swapped in live.
  const wrap = document.querySelector(".gantt-wrap");
  const barOf = (e) => (e.target instanceof Element ? e.target.closest(".gantt .bar") : null);
  if (wrap && form) {
    wrap.addEventListener("click", (e) => { const g = barOf(e); if (g) openOverrun(g); });
    wrap.addEventListener("keydown", (e) => {
      const g = barOf(e);
      if (g && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); openOverrun(g); }
    });
  }
  if (form) {
    document.getElementById("overrun-cancel").addEventListener("click", () => { form.hidden = true; });
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const end = chosen.dataset.end;
      const expected = end.slice(0, 11) + document.getElementById("overrun-end").value + ":00" + end.slice(19);
      run(null, { booking: chosen.dataset.booking, operation: Number(chosen.dataset.operation), expected_end: expected });
    });
  }
  // Details of the bar under the pointer or keyboard focus, also for sighted keyboard users.
  const details = document.getElementById("bar-details");
  const show = (e) => { const g = barOf(e); if (g && details) details.textContent = g.getAttribute("aria-label"); };
  if (wrap) {
    wrap.addEventListener("focusin", show);
    wrap.addEventListener("mouseover", show);
  }
}

function setupBooking() {
  const form = document.getElementById("slot-form");
  if (!form) return;
  const workshop = form.dataset.workshop;
  const status = document.getElementById("status");
  const slotsList = document.getElementById("slots");
  const bookingsBody = document.getElementById("bookings");
  const pickupsBox = document.getElementById("pickups-box");
  const pickupsBody = document.getElementById("pickups");
  const alternativesBox = document.getElementById("alternatives-box");
  const alternativesList = document.getElementById("alternatives");
  const refusalsBox = document.getElementById("refusals-box");
  const refusalsList = document.getElementById("refusals");
  const grid = Number(form.dataset.grid) || 0;
  const partsBox = document.getElementById("parts-eta");
  const withParts = form.dataset.parts === "yes";  // the bookings table has a "Parts arrive" column

  // "Parts arrive": shown (and sent) only for a service whose operations wait for ordered parts.
  const partsWanted = () => {
    const option = form.elements["service"].selectedOptions[0];
    return Boolean(partsBox && option && option.dataset.parts === "yes");
  };
  const showPartsBox = () => {
    if (!partsBox) return;
    const wanted = partsWanted();
    partsBox.hidden = !wanted;
    partsBox.disabled = !wanted;
  };
  showPartsBox();
  form.elements["service"].addEventListener("change", showPartsBox);

  // The parts ETA asked for with a new booking (wallEta): none when the service waits for no parts.
  const partsEta = (day) => (partsWanted() ? wallEta(form.elements["parts_date"], form.elements["parts_time"], day) : { eta: null });

  // Into `element`, as text: each value a span that does not break inside ("2026-11-27 15:30" on
  // one line), a list of values (`days`) joined as the language joins a list's items (the series
  // template's separator: ", "; Chinese "、", not the "，" that joins clauses). Its textContent is
  // t(key, values) with the lists joined.
  const separator = t("series", { items: "", item: "" });
  const fillInto = (element, key, values) => {
    (TEXTS[key] || key).split(/(%\(\w+\)s)/).forEach((part, i) => {
      const name = i % 2 ? part.slice(2, -2) : null;
      if (name === null || !(name in values)) {
        if (part) element.append(part);
        return;
      }
      [].concat(values[name]).forEach((value, j) => {
        if (j) element.append(separator);
        const span = document.createElement("span");
        span.className = "value";
        span.textContent = String(value);
        element.append(span);
      });
    });
  };
  // A slot as the desk shows it: drop-off and promised pickup in the workshop's time (the API's
  // local ISO times), the drop-off dated when not on `day`, the pickup dated when not on the
  // drop-off's, and the days multi-day work touches (the API's workshop-local dates, in order;
  // not always consecutive: a closed day in between is not one of them).
  const slotInto = (element, slot, day) => {
    fillInto(element, "slot", { drop_off: whenOf(slot.drop_off, day), pickup: whenOf(slot.promised, slot.drop_off) });
    if (Array.isArray(slot.days) && slot.days.length > 1) {
      element.append(" · ");
      fillInto(element, "slot_days_on", { count: slot.days.length, days: slot.days.map(shortDay) });
    }
  };

  // A slot sold beyond the day's plan (no-show overbooking): a risk the desk must see. A marker and
  // a word (not colour alone), then the allowance it draws on (the explained answer's `note`, in
  // the page's language), as text; the slot's button is described by it. Null for other slots.
  let risks = 0;
  const riskNote = (slot) => {
    if (slot.overbooked !== true) return null;
    const note = document.createElement("p");
    note.className = "risk";
    note.id = "risk-" + (++risks);
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = "⚠";
    const label = document.createElement("strong");
    label.className = "risk-label";
    label.textContent = t("overbooking_risk");
    note.append(mark, " ", label);
    if (typeof slot.note === "string" && slot.note) {
      const why = document.createElement("span");
      why.className = "why";
      why.textContent = slot.note;
      note.append(" · ", why);
    }
    return note;
  };

  // A slot's list item: its text (and its risk, if any) and the button that acts on it.
  const slotItem = (slot, day, button) => {
    const li = document.createElement("li");
    const what = document.createElement("div");
    what.className = "what";
    const text = document.createElement("span");
    text.className = "slot-text";
    slotInto(text, slot, day);
    what.appendChild(text);
    const risk = riskNote(slot);
    if (risk) {
      li.className = "overbooked";
      what.appendChild(risk);
      button.setAttribute("aria-describedby", risk.id);
    }
    li.append(what, button);
    return li;
  };

  const clearAlternatives = () => {
    alternativesList.replaceChildren();
    alternativesBox.hidden = true;
  };

  // A refused booking or change (409): its alternatives, each a button that sends it again at that
  // drop-off (`send(drop_off, slot)`: the slot too, whose promise the desk now shows), worded by
  // `label(time, slot)`. Text only (textContent), never markup from the answer.
  const showAlternatives = (result, day, label, send) => {
    clearAlternatives();
    const alternatives = (result.data && Array.isArray(result.data.alternatives)) ? result.data.alternatives : [];
    for (const slot of alternatives) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label(whenOf(slot.drop_off, day), slot);
      button.addEventListener("click", () => {
        alternativesList.querySelectorAll("button").forEach((other) => (other.disabled = true));
        send(slot.drop_off, slot);
      });
      alternativesList.appendChild(slotItem(slot, day, button));
    }
    alternativesBox.hidden = alternatives.length === 0;
  };

  const findPlate = document.getElementById("find-plate");
  // Search by plate on the page: rows whose plate (or booking id) does not contain the text hide,
  // in the day's bookings and in the pickups from earlier days alike (a customer at the desk to
  // collect is looked up the same way).
  const findable = (b) => ((b.plate || "") + " " + b.id).replace(/[\s·.-]/g, "").toUpperCase();
  const filterBookings = () => {
    const wanted = (findPlate ? findPlate.value : "").replace(/[\s·.-]/g, "").toUpperCase();
    for (const body of [bookingsBody, pickupsBody]) {
      if (!body) continue;
      body.querySelectorAll("tr").forEach((tr) => {
        tr.hidden = Boolean(wanted) && !(tr.dataset.find || "").includes(wanted);
      });
    }
  };
  if (findPlate) findPlate.addEventListener("input", filterBookings);

  // Only the newest listing renders (a move, a booking and a date change may overlap), and the
  // body is aria-busy while one is on its way, so nobody acts on a row about to be replaced.
  // The promised pickup, marked (in words, not colour alone) where the desk does not hand cars
  // back then: a promise made before offers kept to the desk's hours, kept as told.
  const promisedWords = (b, shown) =>
    whenOf(b.promised, shown) + (b.after_desk_hours ? " · ⚠ " + t("after_desk_hours") : "");

  let listing = 0;
  const showBookings = async () => {
    const mine = ++listing;
    bookingsBody.setAttribute("aria-busy", "true");
    const date = form.elements["date"].value;
    const result = await api("GET", `/v1/workshops/${workshop}/bookings?date=${date}&pickups=true`);
    if (mine !== listing) return;
    // A new drop-off time typed into a row and not sent yet survives the listing that replaces the
    // row (a booking made, a slot query), where the booking's drop-off is still the one it was typed
    // against: the foreman's Move sends what he sees.
    const typed = new Map();
    bookingsBody.querySelectorAll("input.move-time").forEach((input) => {
      if (input.value && input.value !== input.defaultValue && input.value !== input.dataset.sent) {
        typed.set(input.closest("tr").dataset.booking, [input.defaultValue, input.value]);
      }
    });
    bookingsBody.innerHTML = "";
    bookingsBody.setAttribute("aria-busy", "false");
    showPickups(result.status === 200 ? result.data : [], date);
    if (result.status !== 200) return;
    const bookings = result.data.filter((b) => !b.pickup_only).sort((a, b) => Date.parse(a.drop_off) - Date.parse(b.drop_off) || a.id.localeCompare(b.id));
    for (const b of bookings) {
      const tr = document.createElement("tr");
      tr.dataset.booking = b.id;
      tr.dataset.day = date;
      tr.dataset.find = findable(b);
      const customer = [b.customer, b.model].filter(Boolean).join(" · ");
      // Multi-day work carried in from an earlier day: its own drop-off (with its date), marked.
      const dropOff = b.carried_in ? t("carried_in", { drop_off: whenOf(b.drop_off, date) }) : timeOf(b.drop_off);
      if (b.carried_in) tr.className = "carried-in";
      // What the desk must act on, beside the service: a booking sold beyond the day's plan
      // (no-show overbooking), as words (not colour alone). A booking kept at risk (a parts ETA
      // changed by force, a workshop change): marked as well. The loan car to hand over has its
      // own column.
      const service = [b.service, b.overbooked ? "⚠ " + t("overbooking_risk") : null,
        b.at_risk ? "⚠ " + t("at_risk_mark") : null].filter(Boolean).join(" · ");
      if (b.at_risk) tr.classList.add("at-risk");
      const shown = b.carried_in ? date : b.drop_off;
      // What the customer is told and handed first (plate, promised pickup, loan car), as the
      // pickups list has them: on a phone those columns are on screen without scrolling sideways.
      const cells = [b.plate || b.id, b.promised ? promisedWords(b, shown) : "", b.loan_car ? t("yes") : t("no"),
        customer, b.phone || "", service, dropOff];
      // The parts ETA on the workshop's clock, dated when not on the drop-off's day.
      if (withParts) cells.push(b.parts_eta ? whenOf(localIso(ZONE, b.parts_eta), shown) : "");
      cells.push(b.waiter ? t("yes") : t("no"));
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      // The promise as the API has it (an aware ISO time) beside the words, for a reader or a script.
      if (b.promised) tr.children[1].dataset.promised = b.promised;
      tr.appendChild(bookingActions(b));
      const kept = typed.get(b.id);
      const time = tr.querySelector("input.move-time");
      if (kept && time && kept[0] === time.defaultValue) time.value = kept[1];
      bookingsBody.appendChild(tr);
    }
    filterBookings();
  };

  // The cars handed back on `date` that were dropped off on an earlier day: those with no work that
  // day (pickup_only: ready after the desk closed, a multi-day repair promised the morning after)
  // and multi-day work carried in and promised that day; by promised pickup.
  const showPickups = (listed, date) => {
    if (!pickupsBody) return;
    pickupsBody.innerHTML = "";
    const promisedDay = (b) => (ZONE ? localIso(ZONE, b.promised) : b.promised).slice(0, 10);
    const pickups = listed.filter((b) => b.promised && (b.pickup_only || (b.carried_in && promisedDay(b) === date)))
      .sort((a, b) => Date.parse(a.promised) - Date.parse(b.promised) || a.id.localeCompare(b.id));
    pickupsBox.hidden = pickups.length === 0;
    for (const b of pickups) {
      const tr = document.createElement("tr");
      tr.dataset.booking = b.id;
      tr.dataset.find = findable(b);
      // What the customer is handed first (plate, promised pickup, the loan car to take back): on a
      // phone those columns are on screen without scrolling the table sideways.
      const cells = [b.plate || b.id, promisedWords(b, date), b.loan_car ? t("yes") : t("no"),
        [b.customer, b.model].filter(Boolean).join(" · "), b.phone || "", b.service,
        t("pickup_dropped_off", { drop_off: whenOf(b.drop_off, date) })];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      }
      tr.children[1].dataset.promised = b.promised;
      pickupsBody.appendChild(tr);
    }
  };

  // A new drop-off for booking `b` (PATCH); refused (409), its alternatives each move it there.
  const moveBooking = async (b, dropOff) => {
    clearAlternatives();
    const changed = await api("PATCH", atPageNow(`/v1/workshops/${workshop}/bookings/${encodeURIComponent(b.id)}`), { drop_off: dropOff });
    if (changed.status === 200) {
      status.textContent = t("moved", { booking: b.plate || b.id, drop_off: whenOf(changed.data.drop_off, b.drop_off), pickup: changed.data.promised ? whenOf(changed.data.promised, changed.data.drop_off) : "" });
    } else {
      status.textContent = t("not_moved", { problem: problem(changed) });
      // The booking's own drop-off among them: it stays there (its pickup as offered), said so, as
      // the parts ETA form's alternative at its own time says it ("Keep 08:00, pickup 15:45").
      const label = (time, slot) => Date.parse(slot.drop_off) === Date.parse(b.drop_off)
        ? t("keep_drop_off", { time, pickup: whenOf(slot.promised, b.drop_off) })
        : t("move_to", { time });
      if (changed.status === 409) showAlternatives(changed, b.drop_off, label, (at) => moveBooking(b, at));
    }
    await showBookings();
  };

  // A new booking (POST, its own Idempotency-Key) at a slot the desk shows, with the promised pickup
  // it shows (`promised`: never booked later than that, refused instead); refused (409), its
  // alternatives each book it there, with their own promise.
  const bookAt = async (details, slot, day) => {
    clearAlternatives();
    const key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
    const body = Object.assign({}, details, { drop_off: slot.drop_off });
    if (typeof slot.promised === "string" && slot.promised) body.promised = slot.promised;
    const made = await api("POST", atPageNow(`/v1/workshops/${workshop}/bookings`), body, { "Idempotency-Key": key });
    if (made.status === 201 || made.status === 200) {
      status.textContent = t("booked", { id: made.data.plate || made.data.id, drop_off: whenOf(made.data.drop_off, day), pickup: whenOf(made.data.promised, made.data.drop_off) });
    } else if (made.status === 409) {
      // Its reason (the rule that blocks it now) after "just taken", as a refused move says it.
      const times = ((made.data && made.data.alternatives) || []).map((a) => whenOf(a.drop_off, day)).join(separator);
      const why = made.data && made.data.reason;
      status.textContent = typeof why === "string" && why ? t("taken_because", { reason: why, times }) : t("taken", { times });
      showAlternatives(made, day, (time) => t("book", { time }), (at, shown) => bookAt(details, shown, day));
    } else {
      status.textContent = t("not_booked", { problem: problem(made) });
    }
    await showBookings();
    await showSlots(true);
  };

  // A row's actions: a new drop-off time (PATCH) and a cancel that asks for a second click (DELETE).
  const bookingActions = (b) => {
    const td = document.createElement("td");
    const time = document.createElement("input");
    time.type = "time";
    time.defaultValue = timeOf(b.drop_off);  // what a listing tells a typed time from
    time.className = "move-time";
    time.setAttribute("aria-label", t("new_drop_off", { booking: b.plate || b.id }));
    const move = document.createElement("button");
    move.type = "button";
    move.className = "secondary move";
    move.textContent = t("move");
    move.addEventListener("click", () => {
      if (!time.value) return;
      move.disabled = true;
      time.dataset.sent = time.value;  // answered, not kept typed: the listing after shows the outcome
      // Same day and offset as the booking's drop-off, only the time changes.
      moveBooking(b, b.drop_off.slice(0, 11) + time.value + ":00" + b.drop_off.slice(19));
    });
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary cancel";
    cancel.textContent = t("cancel_booking");
    cancel.addEventListener("click", async () => {
      if (cancel.dataset.armed !== "yes") {
        cancel.dataset.armed = "yes";
        cancel.textContent = t("confirm_cancel");
        return;
      }
      cancel.disabled = true;
      const gone = await api("DELETE", `/v1/workshops/${workshop}/bookings/${encodeURIComponent(b.id)}`);
      status.textContent = gone.status === 204 ? t("cancelled", { booking: b.plate || b.id }) : t("not_cancelled", { problem: problem(gone) });
      await showBookings();
    });
    // A repair carried in from an earlier day is moved on its drop-off day, not here.
    if (b.carried_in) td.append(cancel); else td.append(time, " ", move, " ", cancel);
    // Work waiting for ordered parts: its parts ETA changed (carried-in work too: only the ETA moves).
    if (etaForm && partsServices.has(b.service)) {
      const eta = document.createElement("button");
      eta.type = "button";
      eta.className = "secondary eta";
      eta.textContent = t("change_eta");
      eta.setAttribute("aria-label", t("change_eta_of", { booking: b.plate || b.id }));
      eta.setAttribute("aria-controls", "eta-form");
      eta.addEventListener("click", () => openEta(b, td.closest("tr").dataset.day));
      td.prepend(eta, " ");
    }
    return td;
  };

  // A stored booking's parts ETA changed (PATCH parts_eta), for work that waits for ordered parts:
  // the form under the day's bookings (full width on a phone, outside the table's scroll box),
  // opened from the booking's row. The date and time are read as the new booking's field is
  // (wallEta: the workshop's clock, the zone offsets sent with the page). The change is re-checked:
  // it fits (the row shows the new ETA), or it is refused (409) with why and the times it would fit
  // at (each moves the booking there with the new ETA), and "Keep it anyway (at risk)" sends it
  // again with force: stored, the booking at risk, its promise standing. "Parts are in" clears the
  // ETA (null). Everything the server says is shown as text, never markup.
  const etaForm = document.getElementById("eta-form");
  const partsServices = new Set(Array.from(form.elements["service"].options)
    .filter((o) => o.dataset.parts === "yes").map((o) => o.value));
  let etaOf = null;  // {booking, day}: the booking whose ETA the form changes, as last listed or answered
  let etaWanted = null;  // the ETA last refused: what "Keep it anyway" and an alternative send
  const etaBox = (id) => document.getElementById(id);
  const etaLocal = (iso) => (iso ? whenOf(localIso(ZONE, iso), etaOf.day) : "");
  const clearEtaRefusal = () => {
    etaBox("eta-alternatives").replaceChildren();
    etaBox("eta-refused").hidden = true;
    etaWanted = null;
  };
  const showEtaCurrent = () => {
    const b = etaOf.booking;
    const p = etaBox("eta-current");
    p.replaceChildren(b.parts_eta ? t("eta_current", { eta: etaLocal(b.parts_eta) }) : t("eta_none"));
    if (b.at_risk) {
      const risk = document.createElement("strong");
      risk.className = "risk-label";
      risk.textContent = "⚠ " + t("at_risk_because", { reason: typeof b.at_risk_reason === "string" ? b.at_risk_reason : "" });
      p.append(" ", risk);
    }
    etaBox("eta-clear").hidden = !b.parts_eta;
  };
  const closeEta = () => {
    if (!etaForm) return;
    etaForm.hidden = true;
    etaOf = null;
    clearEtaRefusal();
  };
  const openEta = (b, day) => {
    etaOf = { booking: b, day: day || form.elements["date"].value };
    clearEtaRefusal();
    etaBox("eta-h").textContent = t("eta_heading", { booking: b.plate || b.id });
    const local = b.parts_eta ? localIso(ZONE, b.parts_eta) : "";
    etaBox("eta-date").value = local ? local.slice(0, 10) : etaOf.day;
    etaBox("eta-time").value = local ? local.slice(11, 16) : "";
    for (const id of ["eta-date", "eta-time"]) etaBox(id).setAttribute("aria-invalid", "false");
    etaBox("eta-status").textContent = "";
    showEtaCurrent();
    etaForm.hidden = false;
    etaForm.scrollIntoView({ block: "nearest" });
    etaBox("eta-time").focus();
  };
  // PATCH the booking with `changes` ({parts_eta}, with force, or with an alternative's drop_off).
  const sendEta = async (changes) => {
    const b = etaOf.booking;
    const who = b.plate || b.id;
    etaForm.querySelectorAll("button").forEach((button) => (button.disabled = true));
    const changed = await api("PATCH", atPageNow(`/v1/workshops/${workshop}/bookings/${encodeURIComponent(b.id)}`), changes);
    etaForm.querySelectorAll("button").forEach((button) => (button.disabled = false));
    if (!etaOf || etaOf.booking.id !== b.id) return;  // closed or another booking opened meanwhile
    const status = etaBox("eta-status");
    if (changed.status === 200 && changed.data) {
      const c = changed.data;
      clearEtaRefusal();
      etaOf.booking = c;
      const reason = typeof c.at_risk_reason === "string" ? c.at_risk_reason : "";
      if ("drop_off" in changes && Date.parse(c.drop_off) === Date.parse(b.drop_off)) {
        status.textContent = t("eta_changed_pickup", { booking: who, eta: etaLocal(c.parts_eta), drop_off: whenOf(c.drop_off, b.drop_off), pickup: c.promised ? whenOf(c.promised, c.drop_off) : "" });
      } else if ("drop_off" in changes) {
        status.textContent = t("moved", { booking: who, drop_off: whenOf(c.drop_off, b.drop_off), pickup: c.promised ? whenOf(c.promised, c.drop_off) : "" });
      } else if (c.at_risk) {
        status.textContent = t("eta_kept_at_risk", { booking: who, eta: etaLocal(c.parts_eta), reason });
      } else {
        status.textContent = c.parts_eta ? t("eta_changed", { booking: who, eta: etaLocal(c.parts_eta) }) : t("eta_cleared", { booking: who });
      }
      showEtaCurrent();
    } else {
      status.textContent = t("eta_not_changed", { problem: problem(changed) });
      if (changed.status === 409) showEtaRefusal(changed, changes.parts_eta === undefined ? null : changes.parts_eta);
    }
    await showBookings();
  };
  // A refused change: the times it would fit at (each moves the booking there, the new ETA with it)
  // and "Keep it anyway (at risk)" (the same change, forced).
  const showEtaRefusal = (result, eta) => {
    clearEtaRefusal();
    etaWanted = eta;
    const list = etaBox("eta-alternatives");
    const alternatives = (result.data && Array.isArray(result.data.alternatives)) ? result.data.alternatives : [];
    const day = etaOf.booking.drop_off;
    for (const slot of alternatives) {
      if (!slot || typeof slot.drop_off !== "string" || typeof slot.promised !== "string") continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      // The booking's own drop-off with a later promise: it stays, only the pickup moves; said so.
      const keeps = Date.parse(slot.drop_off) === Date.parse(day);
      button.textContent = keeps
        ? t("keep_drop_off", { time: whenOf(slot.drop_off, day), pickup: whenOf(slot.promised, day) })
        : t("move_to", { time: whenOf(slot.drop_off, day) });
      button.addEventListener("click", () => sendEta({ drop_off: slot.drop_off, parts_eta: etaWanted }));
      list.appendChild(slotItem(slot, day, button));
    }
    etaBox("eta-alternatives-h").hidden = list.children.length === 0;
    // Only a parts ETA change may be forced, and not one the API says force would not store either
    // (`forceable: false`: work needing the parts was clocked before the new ETA).
    etaBox("eta-force").hidden = eta === null || Boolean(result.data && result.data.forceable === false);
    etaBox("eta-refused").hidden = false;
  };
  if (etaForm) {
    etaForm.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!etaOf) return;
      const dateBox = etaBox("eta-date");
      const timeBox = etaBox("eta-time");
      const read = wallEta(dateBox, timeBox, etaOf.day);
      // Empty is not "the parts are in" here: that is its own button, never a slip of the keyboard.
      if (read.invalid || read.eta === null) {
        if (!read.invalid) timeBox.setAttribute("aria-invalid", "true");
        clearEtaRefusal();
        etaBox("eta-status").textContent = t("eta_invalid");
        (timeBox.value || !dateBox.validity.valid ? dateBox : timeBox).focus();
        return;
      }
      sendEta({ parts_eta: read.eta });
    });
    etaBox("eta-clear").addEventListener("click", () => {
      if (!etaOf) return;
      for (const id of ["eta-date", "eta-time"]) etaBox(id).setAttribute("aria-invalid", "false");
      etaBox("eta-time").value = "";
      sendEta({ parts_eta: null });
    });
    etaBox("eta-force").addEventListener("click", () => {
      if (!etaOf || etaWanted === null) return;
      sendEta({ parts_eta: etaWanted, force: true });
    });
    // Closed by the person: the focus back on the row's button (the row may have been listed anew).
    etaBox("eta-close").addEventListener("click", () => {
      const id = etaOf ? etaOf.booking.id : null;
      closeEta();
      const back = id && Array.from(bookingsBody.querySelectorAll("tr")).find((tr) => tr.dataset.booking === id);
      const button = back && back.querySelector("button.eta");
      if (button) button.focus();
    });
  }

  // "Why not other times?": the refused times of the day, grouped (refusalLines), each line
  // "08:00–09:15 · no advisor free for check-in" in the workshop's time. The reasons come translated
  // from the API (the page's cookie or Accept-Language, as every call of the page). Text only
  // (textContent), never markup: a reason may quote an operation's name as the workshop wrote it.
  const clearRefusals = () => {
    refusalsList.replaceChildren();
    refusalsBox.hidden = true;
  };
  const showRefusals = (answer, day) => {
    clearRefusals();
    const refused = Array.isArray(answer.refused) ? answer.refused : [];
    const { lines, aside, count } = refusalLines(refused, answer.slots, grid);
    const line = (when, reason) => {
      const li = document.createElement("li");
      const at = document.createElement("span");
      at.className = "when";
      at.textContent = when;
      const why = document.createElement("span");
      why.className = "why";
      why.textContent = reason;
      li.append(at, " · ", why);
      refusalsList.appendChild(li);
    };
    for (const l of lines) {
      const first = whenOf(l.first, day);
      line(l.first === l.last ? first : first + "–" + whenOf(l.last, day), l.reason);
    }
    for (const reason of aside) line(t("other_quarter_hours"), reason);
    document.getElementById("refusals-h").textContent = t("why_not", { count });
    // Nothing to say when every time of the grid is offered (only the quarter hours between refused).
    refusalsBox.hidden = count === 0;
  };

  let asking = 0;  // only the newest slot query renders (a booking's refresh may overlap a new one)
  const showSlots = async (keepStatus) => {
    const mine = ++asking;
    const service = form.elements["service"].value;
    const date = form.elements["date"].value;
    const waiter = form.querySelector("input[name=waiter]:checked").value;
    // The loan-car box is there only when the workshop has loan cars: asked for, the offers are
    // the times a car is free until the promised pickup, and the booking takes one.
    const loanBox = form.elements["loan_car"];
    const loanCar = Boolean(loanBox && loanBox.checked);
    // Parts on order: the offers start the work that needs them no earlier than the ETA, and the
    // booking carries it. Not a date and time: said, and nothing asked.
    const parts = partsEta(date);
    if (parts.invalid) {
      status.textContent = t("parts_eta_invalid");
      clearAlternatives();
      slotsList.innerHTML = "";
      clearRefusals();
      return;
    }
    const eta = parts.eta;
    if (!keepStatus) {
      status.textContent = t("looking");
      clearAlternatives();
    }
    slotsList.innerHTML = "";
    clearRefusals();
    // One request: an explained answer's slots are the plain answer's and the times the explanation
    // found to fit after all (a booking there gets that fit), so the two lists never disagree.
    const result = await api("GET", atPageNow(`/v1/workshops/${workshop}/slots?service=${encodeURIComponent(service)}&date=${date}&waiter=${waiter}${loanCar ? "&loan_car=true" : ""}${eta ? "&parts_eta=" + encodeURIComponent(eta) : ""}&explain=true`));
    if (mine !== asking) return;
    if (result.status !== 200) {
      status.textContent = t("cannot_list", { problem: problem(result) });
      return;
    }
    showRefusals(result.data, date);
    if (!keepStatus) {
      status.textContent = result.data.slots.length ? t("free_slots", { count: result.data.slots.length }) : t("no_free_slot");
    }
    for (const slot of result.data.slots) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = t("book", { time: timeOf(slot.drop_off) });
      button.addEventListener("click", () => {
        button.disabled = true;
        const details = { service, waiter: waiter === "true" };
        if (loanCar) details.loan_car = true;
        if (eta) details.parts_eta = eta;
        for (const name of ["customer", "phone", "plate", "model"]) {
          const value = form.elements[name].value.trim();
          if (value) details[name] = value;
        }
        bookAt(details, slot, date);
      });
      slotsList.appendChild(slotItem(slot, date, button));
    }
  };

  form.addEventListener("submit", (e) => { e.preventDefault(); showSlots(false); showBookings(); });
  form.elements["date"].addEventListener("change", () => { closeEta(); showBookings(); });
  showBookings();
}

// "Not clocked:" and what went wrong, a space between them only after a colon that wants one (not
// after a full-width "：": "未能打卡： 09:31" read with a stray space, review-s42).
function leading(lead, text) {
  if (!lead) return text;
  return lead + (/[\uff1a\u3002\uff0c]$/.test(lead) ? "" : " ") + text;
}

// A clock refusal as the technician's page names things: each car by its plate where it has one
// (the page shows plates; the API names a car by its plate with its booking id beside it, and by
// the id alone only where the booking has no plate), times to the minute (the page clocks at
// the second, "09:31:13", which no one reads off a phone).
function asThePageSaysIt(me, text) {
  const plates = Array.from(me.querySelectorAll(".job[data-booking]"))
    .filter((job) => job.dataset.plate)
    .map((job) => [job.dataset.booking, job.dataset.plate])
    .sort((a, b) => b[0].length - a[0].length);  // a longer id first: none is cut by a shorter one
  let said = text;
  const literal = (x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  plates.forEach(([booking, plate]) => {
    // The API names a car with a plate "粤B82011 (booking BK-…)" / "粤B82011（预约 BK-…）": the page
    // keeps the plate alone; an id with no plate beside it becomes its plate.
    const beside = new RegExp(literal(plate) + "\\s*[(\uff08][^()\uff08\uff09]*" + literal(booking) + "[)\uff09]", "g");
    // (a Chinese word after it keeps its space: "粤B82011 的工序", as the catalog spaces a value)
    said = said.replace(beside, (m, at, whole) => plate + (/[\u4e00-\u9fff]/.test(whole.charAt(at + m.length)) ? " " : ""))
      .split(booking).join(plate);
  });
  return said.replace(/\b(\d{2}:\d{2}):\d{2}(?:\.\d+)?\b/g, "$1");
}

// A car not dropped off yet when the page loaded: its Start is enabled, and the reason beside it
// taken away, once the page's clock (serverNow) reaches the drop-off.
function enableOnArrival(me) {
  const waiting = Array.from(me.querySelectorAll(".job[data-drop-off]"));
  if (!waiting.length) return;
  const check = () => {
    const now = serverNow(me).getTime();
    waiting.forEach((job) => {
      const start = job.querySelector("button[data-action=start]");
      if (!start || !start.disabled || now < Date.parse(job.dataset.dropOff)) return;
      start.disabled = false;
      start.removeAttribute("aria-describedby");
      const note = job.querySelector(".arrives");
      if (note) note.remove();
      job.removeAttribute("data-drop-off");
    });
  };
  check();
  window.setInterval(check, 5000);
}

// The technician's page: Start / Pause / Resume / Finish clock him on and off a job at the server's
// time (the page's data-now run on since it loaded), a Start or Resume in the bay his select names
// (the planned one by default); the page then reloads with the new status.
function setupMe() {
  const me = document.querySelector(".me[data-workshop]");
  if (!me) return;
  const status = document.getElementById("status");
  enableOnArrival(me);
  me.querySelectorAll(".job button[data-action]").forEach((button) => {
    button.addEventListener("click", async () => {
      const job = button.closest(".job");
      // Each button as the job's state left it (a paused job: Resume only), to restore on a refusal:
      // review-s35, a refused or lost clocking enabled them all (Pause and Finish on a paused job).
      const buttons = Array.from(me.querySelectorAll("button"));
      const was = buttons.map((b) => b.disabled);
      buttons.forEach((b) => (b.disabled = true));
      status.textContent = me.dataset.sending || "";
      const at = serverNow(me).toISOString();
      const body = {
        booking: job.dataset.booking, operation: Number(job.dataset.operation),
        technician: me.dataset.technician, action: button.dataset.action, at,
      };
      // A Start or a Resume says which bay the car is in: the planned one unless he changed it.
      const bay = job.querySelector("select[name=bay]");
      if (bay && bay.value && (body.action === "start" || body.action === "resume")) body.bay = bay.value;
      const key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
      // Received as of the page's clock (a day replayed with ?now= too): the route refuses an event
      // after the moment it is received, and a technician's key a moment ahead of the server's clock.
      const url = `/v1/workshops/${me.dataset.workshop}/clock?now=${encodeURIComponent(at)}`;
      // No answer (the workshop's Wi-Fi gone: `api`'s status 0) is said, not "Clocking…" for ever.
      const result = await api("POST", url, body, { "Idempotency-Key": key });
      if (result.status === 201 || result.status === 200) {
        window.location.reload();
      } else {
        status.innerHTML = "";
        const p = document.createElement("span");
        p.className = "error";
        p.textContent = leading(me.dataset.failed || "", asThePageSaysIt(me, problem(result)));
        status.appendChild(p);
        buttons.forEach((b, i) => (b.disabled = was[i]));
      }
    });
  });
}

// Live plan: with a stream URL on the chart (data-stream, server-sent events), each `status` event
// fetches the page again and swaps in the new chart and the figures beside it (the chart's listeners sit on
// its container, so they keep working). No URL, or no EventSource in this browser: nothing happens
// and the page stays as rendered. Events never go unheard: one arriving while a refresh is in flight
// is followed by one more refresh when it ends (a clock event pushes twice, its answer and then its
// re-plan; the second used to be dropped, leaving the page on the first: CI after session 42), and
// one arriving while the foreman is entering an overrun is caught up when the dialog is cancelled.
function setupStream() {
  const chart = document.getElementById("chart");
  if (!chart || !chart.dataset.stream || typeof EventSource === "undefined") return;
  let pending = false;  // a refresh in flight
  let again = false;    // an event came during it: refresh once more after it
  let missed = false;   // an event came while the overrun dialog was open
  const once = async () => {
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      // The chart and, beside it, what the same plan says: the sentence, the line naming the
      // planner, the key figures, the cars at risk, the unassigned, and the re-plan's notes (its
      // changes and clocked work of unknown bay, in a box that is there even while empty, so that
      // a section absent at load appears; review-s42: the figures stayed as loaded).
      const whole = ["chart", "quality", "meta", "replan-notes"];
      const part = (doc, id) => {
        const found = doc.getElementById(id);
        return !found ? null : whole.includes(id) ? found : found.closest("section");
      };
      for (const id of ["chart", "quality", "meta", "kpi-h", "risk-h", "unassigned-h", "replan-notes"]) {
        const old = id === "chart" ? chart : part(document, id);
        const neu = part(fresh, id);
        if (old && neu) old.innerHTML = neu.innerHTML;
      }
      // How many refreshes were swapped in (the stream's first message, the status as of its
      // connection, is one): what a browser test waits for before it reads the swapped sections.
      chart.dataset.refreshed = String(Number(chart.dataset.refreshed || 0) + 1);
    } catch (e) {
      // A failed refresh leaves the chart as it was; the next event tries again.
    }
  };
  const refresh = async () => {
    const overrun = document.getElementById("overrun");
    if (overrun && !overrun.hidden) { missed = true; return; }
    if (pending) { again = true; return; }
    pending = true;
    missed = false;
    try {
      do {
        again = false;
        await once();
      } while (again);
    } finally {
      pending = false;
    }
  };
  const cancel = document.getElementById("overrun-cancel");
  if (cancel) cancel.addEventListener("click", () => { if (missed) refresh(); });
  try {
    const source = new EventSource(chart.dataset.stream, { withCredentials: true });
    source.addEventListener("status", () => {
      // How many messages were heard (a browser test holds a refresh and waits for the next message).
      chart.dataset.heard = String(Number(chart.dataset.heard || 0) + 1);
      refresh();
    });
  } catch (e) {
    // No stream: the page works as rendered.
  }
}

// The report page: apply the learned labour times of the shown range as a new workshop version.
function setupLabour() {
  const box = document.querySelector(".labour[data-workshop]");
  if (!box) return;
  const button = document.getElementById("apply-labour");
  const force = document.getElementById("apply-labour-force");
  const broken = document.getElementById("labour-broken");
  const status = document.getElementById("labour-status");
  const apply = async (forced) => {
    button.disabled = true;
    force.disabled = true;
    const params = { from: box.dataset.from, to: box.dataset.to };
    if (forced) params.force = "true";
    const query = new URLSearchParams(params);
    const result = await api("POST", `/v1/workshops/${box.dataset.workshop}/labour-times/apply?${query}`);
    broken.replaceChildren();
    broken.hidden = true;
    force.hidden = true;
    force.disabled = false;
    if (result.status === 200 && result.data.changed === false) {
      // No version was made: say so, not "now version N" (tidy-s35); nothing to reload.
      status.textContent = box.dataset.unchanged.replace("%(version)s", String(result.data.version));
      button.disabled = false;
    } else if (result.status === 200) {
      status.textContent = box.dataset.applied.replace("%(version)s", String(result.data.version));
      setTimeout(() => window.location.reload(), 1500);
    } else {
      status.textContent = leading(box.dataset.failed, problem(result));
      button.disabled = false;
      // The bookings the new times would break, each car by its plate (review-s43 #11): applied
      // anyway, they are kept at risk. Not offered where not even force may apply it.
      const listed = result.status === 409 && result.data && Array.isArray(result.data.bookings)
        ? result.data.bookings : [];
      for (const b of listed) {
        const item = document.createElement("li");
        item.textContent = `${b.car || b.booking} · ${b.date}`;
        if (Array.isArray(b.reasons)) item.title = b.reasons.join("\n");
        broken.append(item);
      }
      broken.hidden = listed.length === 0;
      force.hidden = listed.length === 0 || result.data.forceable === false;
    }
  };
  button.addEventListener("click", () => apply(false));
  force.addEventListener("click", () => apply(true));
}

document.addEventListener("DOMContentLoaded", () => { setupPlan(); setupBooking(); setupMe(); setupStream(); setupLabour(); });

/*
 * The fee calculator on the Membership fees page.
 *
 * The fee figures are not in this file: the page embeds them at build time from
 * content/fees.yml (the form's data-fees attribute). The sums and
 * the words mirror bulletin.fees.quote, format_quote and parse_representatives:
 * whole pence, half-up rounding, the same sentence. tests/test_fees.py types values
 * into a real browser and compares with the Python function.
 *
 * Without JavaScript the form stays hidden and the page's fee table is the answer.
 */
(function () {
  "use strict";

  var TOO_LARGE = "This fee is too large for the calculator to work out; please contact us " +
    "to agree a fee.";

  function group(whole) {
    return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function formatMoney(pence) {
    var part = pence % 100;
    return "£" + group(Math.floor(pence / 100)) + "." + (part < 10 ? "0" : "") + part;
  }

  // amount / count, rounded half up, in integers (bulletin.fees.divide_pence).
  function dividePence(amount, count) {
    return Math.floor((2 * amount + count) / (2 * count));
  }

  function quote(schedule, count) {
    var tiers = schedule.tiers;
    for (var i = 0; i < tiers.length; i++) {
      if (count <= tiers[i].up_to) {
        return {
          count: count,
          year: schedule.year,
          total: tiers[i].price_pence,
          tier: tiers[i].up_to,
          tierPerPerson: dividePence(tiers[i].price_pence, tiers[i].up_to),
          perRepresentative: dividePence(tiers[i].price_pence, count)
        };
      }
    }
    var top = tiers[tiers.length - 1];
    var extra = count - top.up_to;
    var each = schedule.each_extra_representative_pence;
    var total = top.price_pence + extra * each;
    return {
      count: count,
      year: schedule.year,
      total: total,
      tier: null,
      top: top,
      extra: extra,
      each: each,
      perRepresentative: dividePence(total, count)
    };
  }

  function formatQuote(q) {
    var people = q.count === 1 ? "representative" : "representatives";
    var head = q.count + " " + people + " in " + q.year + ": " + formatMoney(q.total);
    var each = formatMoney(q.perRepresentative);
    var detail;
    var note = "";
    if (q.tier !== null) {
      detail = "up to " + q.tier + " tier, " + formatMoney(q.tierPerPerson) +
        " a head in the tier; " + each + " per representative";
      if (q.count < q.tier) {
        note = " You could register up to " + q.tier + " for the same fee.";
      }
    } else {
      detail = "up to " + q.top.up_to + " tier " + formatMoney(q.top.price_pence) + " plus " +
        q.extra + " extra at " + formatMoney(q.each) + " each; " + each + " per representative";
    }
    return head + " (" + detail + ")." + note;
  }

  // Whether every sum of a quote is an exact whole number of pence. Past 2^53 a number
  // has lost its pence and prints as "1e+25": content/fees.yml is capped far below that
  // (bulletin.fees.MAX_AMOUNT), so only data the build did not check can fail this.
  function isExact(q) {
    return Number.isSafeInteger(q.total) && Number.isSafeInteger(2 * q.total + q.count);
  }

  // A count, or an error message worded as bulletin.fees.parse_representatives words it.
  function parseRepresentatives(text, badInput, maximum) {
    var limit = group(maximum);
    text = text.trim();
    if (badInput || (text !== "" && !/^-?[0-9]+$/.test(text))) {
      return { error: "That is not a whole number. Enter the number of representatives, " +
        "from 1 to " + limit + "." };
    }
    if (text === "") {
      return { error: "Enter the number of representatives, a whole number from 1 to " +
        limit + "." };
    }
    var count = parseInt(text, 10);
    if (count < 1) {
      return { error: "A membership needs at least 1 representative. Enter a number from 1 to " +
        limit + "." };
    }
    if (count > maximum) {
      return { error: "For more than " + limit +
        " representatives, please contact us to agree a fee." };
    }
    return { count: count };
  }

  function start() {
    var form = document.getElementById("fee-calculator");
    if (!form || !form.hasAttribute("data-fees")) {
      return;
    }
    var data = JSON.parse(form.getAttribute("data-fees"));
    var input = document.getElementById("fee-representatives");
    var yearSelect = document.getElementById("fee-year");
    var output = document.getElementById("fee-result");

    function schedule() {
      var year = yearSelect ? yearSelect.value : data.default_year;
      for (var i = 0; i < data.schedules.length; i++) {
        if (data.schedules[i].year === year) {
          return data.schedules[i];
        }
      }
      return data.schedules[data.schedules.length - 1];
    }

    function update() {
      var parsed = parseRepresentatives(input.value, input.validity.badInput,
        data.max_representatives);
      if (parsed.error) {
        output.textContent = parsed.error;
        output.className = "fee-error";
        input.setAttribute("aria-invalid", "true");
      } else {
        var q = quote(schedule(), parsed.count);
        if (isExact(q)) {
          output.textContent = formatQuote(q);
          output.className = "";
        } else {
          output.textContent = TOO_LARGE;
          output.className = "fee-error";
        }
        input.removeAttribute("aria-invalid");
      }
    }

    input.addEventListener("input", update);
    if (yearSelect) {
      yearSelect.addEventListener("change", update);
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    form.hidden = false;
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

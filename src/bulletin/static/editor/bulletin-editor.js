/* bulletin's additions to Decap CMS at /admin/ (loaded after decap-cms.js, from this site).
 *
 * - Editor components for bulletin's own Markdown, offered from the + menu of the rich-text
 *   mode; each writes back exactly the text bulletin reads (src/bulletin/blocks.py,
 *   fee_markup.py), and the abbreviation lines and the "<!-- more -->" break are kept as
 *   written instead of being escaped.
 * - The body opens in raw mode by default: a file opened and saved is saved as it was.
 * - Empty optional fields are left out of the front matter, as `bulletin new` leaves them.
 * - The preview pane uses the site's own stylesheets.
 */
(function () {
  "use strict";
  var CMS = window.CMS;
  var h = window.h;
  var settings = JSON.parse(document.getElementById("bulletin-editor").textContent);

  if (window.localStorage.getItem("cms.md-mode") === null) {
    window.localStorage.setItem("cms.md-mode", "raw");
  }

  function escapeHtml(text) {
    return String(text || "")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function titledBlock(name, label) {
    return {
      id: name,
      label: label,
      fields: [
        { name: "title", label: "Title", widget: "string" },
        { name: "body", label: "Text", widget: "markdown", modes: ["raw"] },
      ],
      pattern: new RegExp("^/// " + name + " \\| ([^\\n]*)\\n([\\s\\S]*?)\\n?///(?=\\n|$)"),
      fromBlock: function (match) {
        return { title: match[1], body: match[2] };
      },
      toBlock: function (data) {
        return "/// " + name + " | " + (data.title || "") + "\n" + (data.body || "").replace(/\n+$/, "") + "\n///";
      },
      toPreview: function (data) {
        return '<div class="admonition ' + name + '"><p class="admonition-title">' +
          escapeHtml(data.title) + '</p><p style="white-space: pre-line">' + escapeHtml(data.body) +
          "</p></div>";
      },
    };
  }

  function channelBlock(name, label) {
    return {
      id: name,
      label: label,
      fields: [{ name: "body", label: "Text", widget: "markdown", modes: ["raw"] }],
      pattern: new RegExp("^/// " + name + "\\n([\\s\\S]*?)\\n?///(?=\\n|$)"),
      fromBlock: function (match) {
        return { body: match[1] };
      },
      toBlock: function (data) {
        return "/// " + name + "\n" + (data.body || "").replace(/\n+$/, "") + "\n///";
      },
      toPreview: function (data) {
        return '<div class="' + name + '"><p style="white-space: pre-line">' + escapeHtml(data.body) +
          "</p></div>";
      },
    };
  }

  [
    titledBlock("members", "Members box"),
    titledBlock("spotlight", "Spotlight box"),
    channelBlock("web-only", "Website only"),
    channelBlock("email-only", "Email only"),
    {
      id: "fee-table",
      label: "Fee table",
      fields: [{ name: "year", label: "Year (e.g. 2019/20; empty for the current one)", widget: "string", required: false }],
      pattern: /^\[\[fee-table(?: ([^\]\n]+))?\]\]/,
      fromBlock: function (match) {
        return { year: match[1] || "" };
      },
      toBlock: function (data) {
        return "[[fee-table" + (data.year ? " " + data.year.trim() : "") + "]]";
      },
      toPreview: function (data) {
        return "<p><em>The fee table" + (data.year ? " for " + escapeHtml(data.year) : "") + "</em></p>";
      },
    },
    {
      id: "fee-calculator",
      label: "Fee calculator",
      fields: [],
      pattern: /^\[\[fee-calculator\]\]/,
      fromBlock: function () {
        return {};
      },
      toBlock: function () {
        return "[[fee-calculator]]";
      },
      toPreview: function () {
        return "<p><em>The fee calculator</em></p>";
      },
    },
    {
      id: "more",
      label: "Read more break (end of the opening)",
      fields: [],
      pattern: /^<!-- more -->/,
      fromBlock: function () {
        return {};
      },
      toBlock: function () {
        return "<!-- more -->";
      },
      toPreview: function () {
        return "<hr>";
      },
    },
    {
      id: "abbreviations",
      label: "Abbreviations",
      fields: [{ name: "lines", label: "One a line: *[ABBR]: what it stands for", widget: "text" }],
      pattern: /^\*\[[^\]\n]+\]:[^\n]*(?:\n\*\[[^\]\n]+\]:[^\n]*)*/,
      fromBlock: function (match) {
        return { lines: match[0] };
      },
      toBlock: function (data) {
        return (data.lines || "").replace(/\n+$/, "");
      },
      toPreview: function () {
        return "";
      },
    },
  ].forEach(function (component) {
    CMS.registerEditorComponent(component);
  });

  var OPTIONAL = ["tags", "description", "image", "image_alt"];
  CMS.registerEventListener({
    name: "preSave",
    handler: function (event) {
      var data = event.entry.get("data");
      OPTIONAL.forEach(function (key) {
        var value = data.get(key);
        if (value === undefined || value === null || value === "" || (value && value.size === 0)) {
          data = data.delete(key);
        }
      });
      if (data.get("draft") !== true) {
        data = data.delete("draft");
      }
      return data;
    },
  });

  settings.forEach(function (href) {
    CMS.registerPreviewStyle(href);
  });
  var Preview = window.createClass({
    render: function () {
      var entry = this.props.entry;
      return h(
        "article",
        { className: "md-content md-typeset", style: { padding: "1rem" } },
        h("h1", {}, entry.getIn(["data", "title"])),
        this.props.widgetFor("body")
      );
    },
  });
  CMS.registerPreviewTemplate("posts", Preview);
  CMS.registerPreviewTemplate("newsletters", Preview);
})();

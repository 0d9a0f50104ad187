<?xml version="1.0" encoding="UTF-8"?>
<!-- What a browser shows for an Atom feed: what a feed is, how to subscribe, the latest posts.
     Feed readers ignore this file; only people who open the feed in a browser see it. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/atom:feed">
    <html lang="en-GB">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="atom:title"/> – Atom feed</title>
        <style>
          body { font: 1.05rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
                 max-width: 44rem; margin: 0 auto; padding: 1.5rem 1rem; color: #1b1b1b; }
          .about { background: #eef4fb; border-left: 4px solid #1d5fa8; padding: 0.75rem 1rem; }
          code { background: #fff; border: 1px solid #c8d3df; padding: 0.1rem 0.3rem;
                 word-break: break-all; }
          li { margin-bottom: 1rem; }
          .date { color: #555; font-size: 0.9rem; }
          a { color: #1d5fa8; }
        </style>
      </head>
      <body>
        <header>
          <p>Atom feed of</p>
          <h1><xsl:value-of select="atom:title"/></h1>
          <p><xsl:value-of select="atom:subtitle"/></p>
        </header>
        <section class="about" aria-labelledby="what">
          <h2 id="what">What is a feed?</h2>
          <p>This page is a web feed (Atom). A feed reader or news app checks it for you and
             shows each new post as soon as it is published, so you do not have to keep
             visiting the website. Nothing is sent to you by email and you can unsubscribe
             at any time in your reader.</p>
          <h3>How to subscribe</h3>
          <p>Copy this address and paste it into your feed reader (for example Feedly,
             Inoreader, NetNewsWire, Thunderbird or Outlook's RSS subscriptions):</p>
          <p><code><xsl:value-of select="atom:link[@rel='self']/@href"/></code></p>
          <p>New to feeds? <a href="https://aboutfeeds.com/">About Feeds</a> explains how
             to get started.</p>
        </section>
        <main>
          <h2>Latest posts</h2>
          <ul>
            <!-- feedgen writes entry links without rel; Atom's default rel is alternate. -->
            <xsl:for-each select="atom:entry">
              <li>
                <a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
                <div class="date"><xsl:value-of select="substring(atom:published, 1, 10)"/>
                  <xsl:for-each select="atom:author">
                    · <xsl:value-of select="atom:name"/>
                  </xsl:for-each>
                </div>
                <div><xsl:value-of select="atom:summary"/></div>
              </li>
            </xsl:for-each>
          </ul>
          <p><a href="{atom:link[not(@rel) or @rel='alternate']/@href}">Visit the website</a></p>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>

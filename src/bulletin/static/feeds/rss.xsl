<?xml version="1.0" encoding="UTF-8"?>
<!-- What a browser shows for an RSS feed: what a feed is, how to subscribe, the latest posts.
     Feed readers ignore this file; only people who click the RSS link see it. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/rss/channel">
    <html lang="en-GB">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="title"/> – RSS feed</title>
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
          <p>RSS feed of</p>
          <h1><xsl:value-of select="title"/></h1>
          <p><xsl:value-of select="description"/></p>
        </header>
        <section class="about" aria-labelledby="what">
          <h2 id="what">What is a feed?</h2>
          <p>This page is a web feed (RSS). A feed reader or news app checks it for you and
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
            <xsl:for-each select="item">
              <li>
                <a href="{link}"><xsl:value-of select="title"/></a>
                <div class="date"><xsl:value-of select="substring(pubDate, 1, 16)"/>
                  <xsl:if test="dc:creator"> · <xsl:value-of select="dc:creator"/></xsl:if>
                </div>
                <!-- An item's description is HTML whose text bulletin escaped: shown as text. -->
                <div><xsl:value-of select="description" disable-output-escaping="yes"/></div>
              </li>
            </xsl:for-each>
          </ul>
          <p><a href="{link}">Visit the website</a></p>
        </main>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>

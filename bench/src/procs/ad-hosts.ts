/**
 * The block list of the `proxy` workload: 50 ad and tracker hosts (a plain domain list, each entry
 * `||host^`), given to the `ctc` command with `--blocklist`.
 * @module
 */
/** None of them is the origin (127.0.0.1); the `proxy-html` page links images on some of them. */
export const AD_HOSTS: readonly string[] = [
  "doubleclick.net", "googlesyndication.com", "googleadservices.com", "adservice.google.com", "adnxs.com",
  "advertising.com", "adform.net", "adsrvr.org", "criteo.com", "criteo.net",
  "taboola.com", "outbrain.com", "pubmatic.com", "rubiconproject.com", "openx.net",
  "casalemedia.com", "smartadserver.com", "yieldmo.com", "media.net", "amazon-adsystem.com",
  "scorecardresearch.com", "quantserve.com", "moatads.com", "serving-sys.com", "adroll.com",
  "bidswitch.net", "contextweb.com", "districtm.io", "indexww.com", "lijit.com",
  "sharethrough.com", "spotxchange.com", "teads.tv", "tribalfusion.com", "turn.com",
  "zedo.com", "33across.com", "adcolony.com", "admob.com", "adsafeprotected.com",
  "adtechus.com", "bluekai.com", "exelator.com", "krxd.net", "mathtag.com",
  "mookie1.com", "rlcdn.com", "sitescout.com", "tapad.com", "ads.example",
];

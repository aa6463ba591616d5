using Microsoft.Playwright;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Debian's Chromium (package <c>chromium</c>, installed by tests/run.sh) driven by Playwright. Playwright's own browser
/// builds are never downloaded (no <c>playwright install</c>): the browser is always <see cref="ExecutablePath"/>.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Starts Playwright's driver and a headless Chromium; fails (never skips) when Chromium is not installed.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (OperatingSystem.IsWindows() || !File.Exists(ExecutablePath) || (File.GetUnixFileMode(ExecutablePath) & UnixFileMode.UserExecute) == 0)
        {
            Assert.Fail($"Debian's Chromium ({ExecutablePath}) is missing: run `bash tests/run.sh`, which installs the Debian package chromium "
                + "before the tests (the browser tests never download a browser).");
        }

        var playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = ExecutablePath,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                Headless = true,
            }).ConfigureAwait(false);
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}

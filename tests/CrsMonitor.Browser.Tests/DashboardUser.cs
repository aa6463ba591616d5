using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// One person's browser (its own context: cookies, storage, tabs), with a Playwright trace kept for a failure and every
/// console message and uncaught page error recorded. Times are shown in UTC, 24-hour (locale en-GB), so the connection
/// banner's "hh:mm" can be checked.
/// </summary>
public sealed class DashboardUser : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> console = new();
    private readonly ConcurrentQueue<string> pageErrors = new();

    private DashboardUser(string name, IBrowserContext context)
    {
        Name = name;
        Context = context;
    }

    public string Name { get; }

    public IBrowserContext Context { get; }

    public IReadOnlyList<string> PageErrors => [.. pageErrors];

    public static async Task<DashboardUser> OpenAsync(IBrowser browser, Uri baseAddress, string name)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var context = await browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            Locale = "en-GB",
            TimezoneId = "UTC",
            ViewportSize = new() { Width = 1280, Height = 900 },
        }).ConfigureAwait(false);
        context.SetDefaultTimeout(15_000);
        await context.Tracing.StartAsync(new() { Title = name, Screenshots = true, Snapshots = true }).ConfigureAwait(false);
        return new DashboardUser(name, context);
    }

    /// <summary>
    /// A new tab that signs in by pasting <paramref name="token"/> into the sign-in page (the dashboard keeps it in this
    /// tab's session storage), and waits until the signed-in page is shown.
    /// </summary>
    public async Task<(IPage Page, HubWatcher Hub)> SignInAsync(string token, string path = "/")
    {
        var page = await Context.NewPageAsync().ConfigureAwait(false);
        var tab = $"{Name}#{Context.Pages.Count}";
        page.Console += (_, m) => console.Enqueue($"[{tab}] {m.Type}: {m.Text}");
        page.PageError += (_, e) => pageErrors.Enqueue($"[{tab}] {e}");
        var hub = new HubWatcher(page);
        await page.GotoAsync(path).ConfigureAwait(false);
        await page.GetByTestId("token-input").FillAsync(token).ConfigureAwait(false);
        await page.GetByTestId("sign-in").ClickAsync().ConfigureAwait(false);
        await Expect(page.GetByTestId("sign-out")).ToBeVisibleAsync().ConfigureAwait(false);
        await Expect(page.GetByTestId("sign-in-error")).ToHaveCountAsync(0).ConfigureAwait(false);
        return (page, hub);
    }

    /// <summary>Writes the console to the test output; on failure saves the trace and a screenshot of every tab.</summary>
    public async ValueTask CloseAsync(bool failed)
    {
        foreach (var line in console)
        {
            await TestContext.Out.WriteLineAsync($"browser console {line}").ConfigureAwait(false);
        }

        foreach (var error in pageErrors)
        {
            await TestContext.Out.WriteLineAsync($"browser page error {error}").ConfigureAwait(false);
        }

        if (failed)
        {
            foreach (var page in Context.Pages.Where(p => !p.IsClosed))
            {
                await Artifacts.ScreenshotAsync(page, $"failure-{Name}").ConfigureAwait(false);
            }

            var trace = Artifacts.PathFor($"trace-{Name}", "zip");
            await Context.Tracing.StopAsync(new() { Path = trace }).ConfigureAwait(false);
            TestContext.AddTestAttachment(trace, $"Playwright trace of {Name} (npx playwright show-trace)");
        }
        else
        {
            await Context.Tracing.StopAsync().ConfigureAwait(false);
        }

        await Context.CloseAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync().ConfigureAwait(false);
}

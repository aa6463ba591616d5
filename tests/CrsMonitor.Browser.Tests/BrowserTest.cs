using System.Diagnostics;
using Microsoft.Playwright;
using NUnit.Framework.Interfaces;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// A fixture's service process (own data folder and port) and Chromium; each test opens its users' browser contexts,
/// which are closed after it (with trace and screenshots when it failed).
/// </summary>
public abstract class BrowserTest
{
    private readonly List<DashboardUser> users = [];
    private IPlaywright? playwright;
    private IBrowser? browser;
    private ServiceProcess? service;

    protected ServiceProcess Service => service ?? throw new InvalidOperationException("the service is not started");

    protected IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium is not started");

    /// <summary>The service's extra command-line settings for this fixture (none: the embedded default).</summary>
    protected virtual Task<IReadOnlyList<string>> ServiceSettingsAsync() => Task.FromResult<IReadOnlyList<string>>([]);

    /// <summary>Called once the service runs (its address is known), before any test.</summary>
    protected virtual Task ServiceStartedAsync(ServiceProcess started) => Task.CompletedTask;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // Chromium first: without it nothing can run, and the message says what to do.
        (playwright, browser) = await Chromium.LaunchAsync();
        Assertions.SetDefaultExpectTimeout(10_000);
        service = await ServiceProcess.StartAsync(await ServiceSettingsAsync());
        await ServiceStartedAsync(service);
        await TestContext.Progress.WriteLineAsync($"{GetType().Name}: service at {service.BaseAddress}, data {service.DataDirectory}, Chromium {browser.Version}");
    }

    [TearDown]
    public async Task CloseUsersAsync()
    {
        var failed = TestContext.CurrentContext.Result.Outcome.Status == TestStatus.Failed;
        foreach (var user in users)
        {
            await user.CloseAsync(failed);
            await user.DisposeAsync();
        }

        users.Clear();
        if (failed && service is not null)
        {
            Artifacts.AttachCopy(service.LogFile, "service-log");
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (service is not null)
        {
            await service.DisposeAsync();
            service.DeleteData();
        }

        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
    }

    /// <summary>A unique patient id for one test (FHIR ids: letters, digits, '-' and '.').</summary>
    protected static string NewPatientId() => $"bt-{Guid.NewGuid():N}"[..15];

    protected async Task<DashboardUser> OpenUserAsync(string name)
    {
        var user = await DashboardUser.OpenAsync(Browser, Service.BaseAddress, name);
        users.Add(user);
        return user;
    }

    /// <summary>Logs a measured duration to the test output and the run's progress (shown by dotnet test).</summary>
    protected static async Task LogTimingAsync(string what, Stopwatch watch)
    {
        ArgumentNullException.ThrowIfNull(watch);
        var line = $"{TestContext.CurrentContext.Test.MethodName}: {what}: {watch.Elapsed.TotalMilliseconds:0} ms";
        await TestContext.Out.WriteLineAsync(line);
        await TestContext.Progress.WriteLineAsync(line);
    }

    /// <summary>
    /// The alert cards about <paramref name="patientId"/> (cards link to the patient's page) on the page or in the element
    /// <paramref name="within"/> (a data-testid), of one condition (<c>icans</c>, <c>crs</c>, ...) or all.
    /// </summary>
    protected static ILocator AlertCards(IPage page, string patientId, string? condition = "icans", string? within = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        var scope = within is null ? page.Locator("body") : page.GetByTestId(within);
        var selector = condition is null ? "[data-testid=alert]" : $"[data-testid=alert][data-condition='{condition}']";
        return scope.Locator(selector).Filter(new() { Has = page.Locator($"a[href='#/patient/{patientId}']") });
    }

    protected static ILocator CensusRow(IPage page, string patientId)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.Locator($"[data-testid=census-row][data-patient-id='{patientId}']");
    }
}

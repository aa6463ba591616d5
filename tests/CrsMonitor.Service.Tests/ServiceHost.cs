using System.Net.Http.Headers;
using System.Text;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrsMonitor.Service.Tests;

/// <summary>
/// The service hosted in-process with its own temporary data folder, a fake clock and optional extra settings and
/// service overrides. Dispose deletes the folder.
/// </summary>
public sealed class ServiceHost(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly IReadOnlyDictionary<string, string?> settings = settings ?? new Dictionary<string, string?>();

    public TempDirectory Data { get; } = new();

    public FakeTimeProvider Time { get; } = new(Start);

    public IdentitySettings Identity =>
        IdentitySettings.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    /// <summary>Runs the <c>token</c> verb in-process against this host's data folder and clock.</summary>
    public string Token(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = TokenCommand.Run(args, Identity, new DataDirectory(Data.Path), Time, stdout, stderr);
        Assert.That(code, Is.EqualTo(TokenCommand.Printed), stderr.ToString());
        return stdout.ToString().Trim();
    }

    public string TokenFor(string role, params string[] units) =>
        Token([.. new[] { "--role", role }.Concat(units.SelectMany(u => new[] { "--unit", u }))]);

    public HttpClient ClientWith(string? token)
    {
        var client = CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public HttpClient ClientFor(string role, params string[] units) => ClientWith(TokenFor(role, units));

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>
    /// Tests send far more requests on a frozen fake clock than any client would send in real time: the request budgets
    /// and the rejected-body allowance are opened wide unless a test sets them (the limit tests do).
    /// </summary>
    private static readonly Dictionary<string, string?> OpenLimits = new()
    {
        ["Limits:Integration:Burst"] = "10000000",
        ["Limits:Staff:Burst"] = "10000000",
        ["Limits:Anonymous:Burst"] = "10000000",
        ["Limits:RejectedBodyBytesPerClient"] = "1073741824",
    };

    /// <summary>
    /// The tests written before the round settle expect an alert as soon as its reading is written: the base setting is
    /// no settle. The settle and alert budget tests set the production default (15 minutes) themselves.
    /// </summary>
    private static readonly Dictionary<string, string?> BaseSettings = new(OpenLimits)
    {
        ["Alerts:RoundSettleMinutes"] = "0",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(DataDirectory.ConfigurationKey, Data.Path);
        foreach (var (key, value) in BaseSettings.Where(l => !settings.ContainsKey(l.Key)))
        {
            builder.UseSetting(key, value);
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(s =>
        {
            s.AddSingleton<TimeProvider>(Time);
            services?.Invoke(s);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Data.Dispose();
        }
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"crsmonitor-tests-{Guid.NewGuid():N}")).FullName;

    /// <summary>
    /// Deletes the folder. A host whose start failed may still be finishing a file in it (the SQLite database and its
    /// WAL files): pooled SQLite connections are released first, and a deletion that races such a write is tried
    /// again, a bounded number of times.
    /// </summary>
    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        for (var attempt = 1; Directory.Exists(Path); attempt++)
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            }
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// The real service as a child process, as hospital IT starts it: <c>dotnet CrsMonitor.Service.dll --urls
/// http://127.0.0.1:PORT</c> (Kestrel, Production environment, its appsettings.json) with its own data folder
/// (<c>CRSMONITOR_DATA</c>). It can be stopped and started again on the same data folder, on its own port or another.
/// <para>
/// Content root: the build output has no <c>wwwroot</c> (the Web SDK serves it from the project folder only through
/// the Development-only static web assets manifest, and copies it only on publish), so a dll started in Production
/// from any other folder serves no dashboard (<c>GET /</c> is 401). The service is therefore started with
/// <c>--contentRoot</c> = the service's project folder, where the build puts the dashboard bundle
/// (<c>wwwroot/app/app.js</c>).
/// </para>
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly StreamWriter log;
    private readonly IReadOnlyList<string> settings;
    private Process? process;

    private ServiceProcess(string dataDirectory, StreamWriter log, IReadOnlyList<string> settings)
    {
        DataDirectory = dataDirectory;
        this.log = log;
        this.settings = settings;
    }

    /// <summary>
    /// Where tokens come from when the service is not in development mode (the hospital's provider mints them; the
    /// <c>token</c> verb refuses to run then): role and units to a token. Null: the <c>token</c> verb.
    /// </summary>
    public Func<string, string[], Task<string>>? Tokens { get; set; }

    /// <summary>The service's project folder (holds wwwroot) and its build output's dll, from this assembly's metadata.</summary>
    public static string ProjectDirectory { get; } = Metadata("ServiceProjectDirectory");

    public static string Dll { get; } = Path.Combine(ProjectDirectory, "bin", Metadata("Configuration"), "net10.0", "CrsMonitor.Service.dll");

    public string DataDirectory { get; }

    public string LogFile => Path.Combine(DataDirectory, "service.log");

    /// <summary>Where the service listens now (its port changes only when started elsewhere).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>
    /// Creates a temporary data folder and starts the service on a free loopback port, with <paramref name="settings"/>
    /// (command-line configuration such as <c>--Identity:Authority=...</c>) on every start.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyList<string>? settings = null)
    {
        if (!File.Exists(Dll))
        {
            Assert.Fail($"The service's build output {Dll} is missing; build the solution (dotnet test builds it through the project reference).");
        }

        if (!File.Exists(Path.Combine(ProjectDirectory, "wwwroot", "app", "app.js")))
        {
            Assert.Fail($"The dashboard bundle {Path.Combine(ProjectDirectory, "wwwroot", "app", "app.js")} is missing: the service's build makes it with Node.js (build without -p:DashboardBuild=false).");
        }

        var data = Directory.CreateTempSubdirectory("crsmonitor-browser-").FullName;
        var log = new StreamWriter(Path.Combine(data, "service.log"), append: false, Encoding.UTF8) { AutoFlush = true };
        var service = new ServiceProcess(data, log, settings ?? []);
        await service.StartOnAsync(FreeLoopbackPort()).ConfigureAwait(false);
        return service;
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the (stopped) service on <paramref name="port"/> with the same data folder and waits for /health/ready.</summary>
    public async Task StartOnAsync(int port)
    {
        if (process is { HasExited: false })
        {
            throw new InvalidOperationException("the service is already running");
        }

        process?.Dispose();
        BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        Write($"--- starting on {BaseAddress} at {DateTimeOffset.UtcNow:O}");
        var start = Dotnet(["--urls", BaseAddress.ToString().TrimEnd('/'), "--contentRoot", ProjectDirectory, $"--CrsMonitor:DataDirectory={DataDirectory}", .. settings]);
        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        var started = process;
        // A test host that is stopped mid-run must not leave the service running.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                if (!started.HasExited)
                {
                    started.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone (or disposed).
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitReadyAsync(process).ConfigureAwait(false);
        Write($"--- ready at {DateTimeOffset.UtcNow:O}");
    }

    /// <summary>Stops the service (SIGTERM, as systemd does; killed after 15 s, which is logged).</summary>
    public async Task StopAsync()
    {
        if (process is null || process.HasExited)
        {
            return;
        }

        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))!)
        {
            await term.WaitForExitAsync().ConfigureAwait(false);
        }

        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            Write($"--- stopped (exit {process.ExitCode}) {watch.ElapsedMilliseconds} ms after SIGTERM, at {DateTimeOffset.UtcNow:O}");
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            var message = $"the service did not exit within {StopTimeout.TotalSeconds} s of SIGTERM and was killed";
            Write($"--- {message}, at {DateTimeOffset.UtcNow:O}");
            await TestContext.Progress.WriteLineAsync($"{TestContext.CurrentContext.Test.MethodName}: {message} (log: {LogFile})").ConfigureAwait(false);
        }
    }

    /// <summary>A development token from the service's own <c>token</c> verb (same data folder, so the same signing key).</summary>
    public async Task<string> TokenAsync(string role, params string[] units)
    {
        if (Tokens is not null)
        {
            return await Tokens(role, units).ConfigureAwait(false);
        }

        string[] args = ["token", "--role", role, .. units.SelectMany(u => new[] { "--unit", u }), "--sub", $"browser-{role}-{string.Join('-', units)}".TrimEnd('-')];
        using var minting = Process.Start(Dotnet(args))!;
        var stdout = minting.StandardOutput.ReadToEndAsync();
        var stderr = minting.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await minting.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        var printed = (await stdout.ConfigureAwait(false)).Trim();
        Assert.That(minting.ExitCode == 0 && printed.Length > 0 && !printed.Contains('\n', StringComparison.Ordinal),
            $"token verb ({string.Join(' ', args)}) failed with exit {minting.ExitCode}: {printed} {await stderr.ConfigureAwait(false)}");
        return printed;
    }

    /// <summary>The last lines of the service's output, for a failure message.</summary>
    public string LogTail(int lines = 60)
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        process?.Dispose();
        lock (log)
        {
            log.Dispose();
        }
    }

    /// <summary>Deletes the data folder (the log is attached to the tests before this).</summary>
    public void DeleteData()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private static string Metadata(string key) =>
        typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private ProcessStartInfo Dotnet(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("dotnet", [Dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDirectory,
        };
        start.Environment["CRSMONITOR_DATA"] = DataDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");

        // The dashboard tests expect an alert as soon as its reading is written: no round settle (section 7 settles
        // a round's alerts for 15 minutes in production; the service tests cover that).
        start.Environment["Alerts__RoundSettleMinutes"] = "0";
        return start;
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after the end of the run.
            }
        }
    }

    private async Task WaitReadyAsync(Process running)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + ReadyTimeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (running.HasExited)
            {
                Assert.Fail($"the service exited ({running.ExitCode}) before it was ready:\n{LogTail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            // Polling a starting process's health endpoint (not a test's timing): nothing to wait on but the next try.
            await Task.Delay(100).ConfigureAwait(false);
        }

        Assert.Fail($"the service was not ready within {ReadyTimeout.TotalSeconds} s:\n{LogTail()}");
    }
}

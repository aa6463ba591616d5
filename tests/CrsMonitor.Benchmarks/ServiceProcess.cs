using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CrsMonitor.Benchmarks;

/// <summary>Free loopback ports.</summary>
public static class Ports
{
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// The real service as a child process: <c>dotnet CrsMonitor.Service.dll --urls http://127.0.0.1:PORT ...</c> with its
/// own data folder, exactly as hospital IT would start it (Kestrel, its appsettings.json, Production environment).
/// Its output goes to a log file in the data folder. Integration tokens come from its <c>token</c> verb; they live at
/// most 5 minutes, so <see cref="EnsureTokenFor"/> mints a new one before any scenario that could outlive the current.
/// Its HL7 v2 MLLP listener is on too (issue 15: <see cref="MllpEndPoint"/>, another free loopback port, plain TCP),
/// with the assigning authority BENCH mapped to the MRN system of the benchmark's FHIR Patients.
/// </summary>
public sealed class ServiceProcess
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan TokenMargin = TimeSpan.FromSeconds(45);

    private readonly string dll;
    private readonly string dataDirectory;
    private readonly Process process;
    private readonly StreamWriter log;
    private string token = string.Empty;
    private DateTimeOffset tokenIssued = DateTimeOffset.MinValue;

    private ServiceProcess(string dll, string dataDirectory, Process process, StreamWriter log, Uri baseAddress, IPEndPoint mllp)
    {
        MllpEndPoint = mllp;
        this.dll = dll;
        this.dataDirectory = dataDirectory;
        this.process = process;
        this.log = log;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Where the service's MLLP listener listens (127.0.0.1, a port free when the service started).</summary>
    public IPEndPoint MllpEndPoint { get; }

    public int ProcessId => process.Id;

    public string LogFile => Path.Combine(dataDirectory, "service.log");

    public string Token => Volatile.Read(ref token);

    /// <summary>Starts the service and waits (at most 90 s) until <c>/health/ready</c> answers 200.</summary>
    public static async Task<ServiceProcess> StartAsync(
        string dll, string dataDirectory, IReadOnlyList<string> settings, Cleanup cleanup, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(cleanup);
        var port = Ports.FreeLoopbackPort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var mllpPort = Ports.FreeLoopbackPort();
        while (mllpPort == port)
        {
            mllpPort = Ports.FreeLoopbackPort();
        }

        var mllp = new IPEndPoint(IPAddress.Loopback, mllpPort);
        var start = Dotnet(dll, dataDirectory, [
            "--urls", baseAddress.ToString().TrimEnd('/'), $"--CrsMonitor:DataDirectory={dataDirectory}",
            "--Mllp:Enabled=true", $"--Mllp:Address={mllp.Address}", $"--Mllp:Port={mllp.Port}",
            $"--Hl7v2:AssigningAuthorities:{V2Payloads.Authority}={V2Payloads.MrnSystem}", .. settings]);
        var log = new StreamWriter(Path.Combine(dataDirectory, "service.log"), append: false, Encoding.UTF8) { AutoFlush = true };
        cleanup.Add("close service log", log.Dispose);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        cleanup.KillOnExit(process, $"stop service pid {process.Id}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(dll, dataDirectory, process, log, baseAddress, mllp);
        await service.WaitReadyAsync(ct).ConfigureAwait(false);
        return service;
    }

    /// <summary>Mints a fresh integration token unless the current one outlives <paramref name="needed"/> with a margin.</summary>
    public async Task EnsureTokenFor(TimeSpan needed, CancellationToken ct)
    {
        if (DateTimeOffset.UtcNow + needed + TokenMargin < tokenIssued + TokenLifetime)
        {
            return;
        }

        var issued = DateTimeOffset.UtcNow;
        var printed = await MintAsync("integration", "bench-interface-engine", [], ct).ConfigureAwait(false);
        Volatile.Write(ref token, printed);
        tokenIssued = issued;
    }

    /// <summary>
    /// A token from the service's <c>token</c> verb with the same data folder (so the same signing key): e.g. a nurse of
    /// <paramref name="units"/> (people's tokens live 480 minutes by default, longer than any run).
    /// </summary>
    public async Task<string> MintAsync(string role, string subject, IReadOnlyList<string> units, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(units);
        var start = Dotnet(dll, dataDirectory, ["token", "--role", role, "--sub", subject, .. units.SelectMany(u => new[] { "--unit", u })]);
        using var minting = Process.Start(start)!;
        var stdout = minting.StandardOutput.ReadToEndAsync(ct);
        var stderr = minting.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        await minting.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        var printed = (await stdout.ConfigureAwait(false)).Trim();
        if (minting.ExitCode != 0 || printed.Length == 0 || printed.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"token verb failed ({minting.ExitCode}): {printed} {await stderr.ConfigureAwait(false)}");
        }

        return printed;
    }

    /// <summary>Stops the service (SIGTERM, then kill after 15 s).</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        await term.WaitForExitAsync().ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }

        await log.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>The last lines of the service's output, for an error message.</summary>
    public string LogTail(int lines = 40)
    {
        lock (log)
        {
            log.Flush();
        }

        using var reader = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var text = new StreamReader(reader);
        var all = text.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    private static void Write(StreamWriter log, string? line)
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
                // The run is over.
            }
        }
    }

    private static ProcessStartInfo Dotnet(string dll, string dataDirectory, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        start.Environment["CRSMONITOR_DATA"] = dataDirectory;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");

        // The benchmark measures throughput, not the per-client request budgets: one load client and 1,000 dashboards
        // share a token subject each, far beyond the budgets of one interface engine or one nurse.
        start.Environment["Limits__Integration__RequestsPerSecond"] = "1000000";
        start.Environment["Limits__Integration__Burst"] = "10000000";
        start.Environment["Limits__Staff__RequestsPerSecond"] = "1000000";
        start.Environment["Limits__Staff__Burst"] = "10000000";

        // The alert latency is measured from the write that causes the alert: no round settle (production waits
        // Alerts:RoundSettleMinutes for the rest of a round's vital signs before it raises reading-derived alerts).
        start.Environment["Alerts__RoundSettleMinutes"] = "0";
        return start;
    }

    private async Task WaitReadyAsync(CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the service exited ({process.ExitCode}) before it was ready:\n{LogTail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"the service was not ready within 90 s:\n{LogTail()}");
    }
}

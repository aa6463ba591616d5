using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// A stop completes within 10 s with dashboards connected (issue 14). The real service as a child process (its build
/// output, Production, Kestrel on a loopback port), dashboards connected over each SignalR transport with automatic
/// reconnection at once, and one more client that keeps opening new connections, as a dashboard whose connection was
/// closed does; then SIGTERM, as systemd stops it. Before the fix such a reconnection during the stop held it for
/// <c>HostOptions.ShutdownTimeout</c> (30 s). The time measured is written to the test output (README "Observability").
/// </summary>
public sealed class StopTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static string ProjectDirectory => Metadata("ServiceProjectDirectory");

    private static string Dll => Path.Combine(ProjectDirectory, "bin", Metadata("Configuration"), "net10.0", "CrsMonitor.Service.dll");

    [Test]
    public async Task ASigterm_WithDashboardsConnectedAndReconnecting_StopsWithin10Seconds()
    {
        Assert.That(File.Exists(Dll), Is.True, $"the service's build output {Dll}");
        using var data = new TempDirectory();
        var output = new StringBuilder();
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        var start = new ProcessStartInfo("dotnet", [Dll, "--urls", address.ToString().TrimEnd('/'), "--contentRoot", ProjectDirectory, $"--CrsMonitor:DataDirectory={data.Path}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data.Path,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        using var service = new Process { StartInfo = start };
        service.OutputDataReceived += (_, e) => Append(output, e.Data);
        service.ErrorDataReceived += (_, e) => Append(output, e.Data);
        service.Start();
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        var dashboards = new List<HubConnection>();
        using var reconnecting = new CancellationTokenSource();
        Task? reconnector = null;
        try
        {
            await WaitReadyAsync(service, address, output);
            var token = Token(data.Path);

            foreach (var transport in new[] { HttpTransportType.WebSockets, HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling })
            {
                var dashboard = Connection(address, token, transport);
                await dashboard.StartAsync();
                dashboards.Add(dashboard);
            }

            // A dashboard that keeps connecting anew (its last connection closed): the case that held the stop for 30 s.
            reconnector = Task.Run(() => KeepConnectingAsync(address, token, reconnecting.Token), CancellationToken.None);

            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", service.Id.ToString(CultureInfo.InvariantCulture)]))!)
            {
                await kill.WaitForExitAsync();
            }

            var watch = Stopwatch.StartNew();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await service.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                service.Kill(entireProcessTree: true);
                Assert.Fail($"no exit within 60 s of SIGTERM:\n{Tail(output)}");
            }

            var took = watch.Elapsed;
            await TestContext.Progress.WriteLineAsync($"Stop with {dashboards.Count} dashboards connected and one reconnecting: exit {service.ExitCode} {took.TotalMilliseconds:0} ms after SIGTERM");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(took, Is.LessThan(Limit), () => Tail(output));
                Assert.That(service.ExitCode, Is.Zero, () => Tail(output));
                Assert.That(Tail(output), Does.Contain("hub connection(s) aborted"));
            }
        }
        finally
        {
            await reconnecting.CancelAsync();
            if (reconnector is not null)
            {
                await reconnector;
            }

            foreach (var dashboard in dashboards)
            {
                await dashboard.DisposeAsync();
            }

            if (!service.HasExited)
            {
                service.Kill(entireProcessTree: true);
                await service.WaitForExitAsync();
            }
        }
    }

    private static HubConnection Connection(Uri address, string token, HttpTransportType transport) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(address, "/hubs/alerts"), transport, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect(new AtOnce())
            .Build();

    private static async Task KeepConnectingAsync(Uri address, string token, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await using var connection = Connection(address, token, HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling);
            try
            {
                await connection.StartAsync(stop);
                var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                connection.Closed += _ =>
                {
                    closed.TrySetResult();
                    return Task.CompletedTask;
                };
                await closed.Task.WaitAsync(stop);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException or IOException
                or System.Net.WebSockets.WebSocketException or AggregateException)
            {
                // Refused while stopping or gone: connect again at once, as long as the test runs.
            }
        }
    }

    private sealed class AtOnce : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.Zero;
    }

    private static string Token(string dataDirectory)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = TokenCommand.Run(["--role", "nurse", "--unit", "7W"], IdentitySettings.FromConfiguration(new ConfigurationBuilder().Build()),
            new DataDirectory(dataDirectory), TimeProvider.System, stdout, stderr);
        Assert.That(code, Is.EqualTo(TokenCommand.Printed), stderr.ToString());
        return stdout.ToString().Trim();
    }

    private static async Task WaitReadyAsync(Process service, Uri address, StringBuilder output)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.That(service.HasExited, Is.False, () => $"the service exited before it was ready:\n{Tail(output)}");
            try
            {
                using var answer = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            // Polling a starting process (not a test's timing).
            await Task.Delay(100);
        }

        Assert.Fail($"not ready within 90 s:\n{Tail(output)}");
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Tail(StringBuilder output)
    {
        lock (output)
        {
            return string.Join('\n', output.ToString().Split('\n').TakeLast(40));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Metadata(string key) =>
        typeof(StopTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Npgsql;

namespace CrsMonitor.Cluster.Tests;

/// <summary>
/// The cluster every test of this project runs against, started once (<c>deploy/cluster/up.sh 2</c>) and stopped at the
/// end (<c>down.sh</c>). Its own state folder (never the developer's <c>/tmp/crsmonitor-cluster</c>), the Release
/// build output of the service (no second publish), alerts not deferred by the round settle, and the scheduler's job
/// runs logged (Debug) so a test can say which node ran a wake-up.
/// </summary>
[SetUpFixture]
public sealed class ClusterSetUp
{
    [OneTimeSetUp]
    public static async Task UpAsync() => LocalCluster.Current = await LocalCluster.StartAsync();

    [OneTimeTearDown]
    public static async Task DownAsync()
    {
        if (LocalCluster.Started is { } cluster)
        {
            await cluster.StopAsync();
        }
    }
}

public sealed class LocalCluster
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan NodeStartTimeout = TimeSpan.FromMinutes(4);
    private readonly Dictionary<string, (string Token, DateTime Until)> tokens = [];
    private static readonly SemaphoreSlim TokenLock = new(1, 1);
    private string tokenCommand = "";

    private LocalCluster(string state) => StateDirectory = state;

    public static LocalCluster Current { get; set; } = null!;

    /// <summary>The cluster once up.sh began (so down.sh runs even when a later step failed).</summary>
    public static LocalCluster? Started { get; private set; }

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public string StateDirectory { get; }

    public Uri LoadBalancer { get; private set; } = null!;

    /// <summary>node1, node2, ... (index 0 is node1).</summary>
    public IReadOnlyList<Uri> Nodes { get; private set; } = [];

    public string PostgresConnectionString { get; private set; } = "";

    public static async Task<LocalCluster> StartAsync()
    {
        var state = Path.Combine(Path.GetTempPath(), $"crsmonitor-cluster-tests-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        var app = Path.Combine(RepositoryRoot, "src", "CrsMonitor.Service", "bin", Metadata("Configuration"), "net10.0");
        if (!File.Exists(Path.Combine(app, "CrsMonitor.Service.dll")))
        {
            Assert.Fail($"The service's build output {app} is missing; build the solution first (tests/run.sh does).");
        }

        var cluster = new LocalCluster(state);
        Started = cluster;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.StopAsync().GetAwaiter().GetResult();
        var (code, stdout, stderr) = await cluster.RunAsync("up.sh", ["2"], UpTimeout, new Dictionary<string, string>
        {
            ["CRSMONITOR_CLUSTER_APP"] = app,
            // Alerts at once (the round settle would hold a fever's alert for 15 minutes).
            ["Alerts__RoundSettleMinutes"] = "0",
            // "Window {id} woken for {instant} by {actor}": which node ran a wake-up, and how often.
            ["Logging__LogLevel__CrsMonitor.Service.Monitoring.Schedule.WindowJob"] = "Debug",
        });
        if (code != 0)
        {
            Assert.Fail($"deploy/cluster/up.sh failed (exit {code}):\n{stderr}");
        }

        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.That(lines.Keys, Is.EquivalentTo(new[] { "lb", "node1", "node2", "token" }), $"up.sh prints exactly lb=, node1=, node2=, token=:\n{stdout}");
        cluster.LoadBalancer = new Uri(lines["lb"]);
        cluster.Nodes = [new Uri(lines["node1"]), new Uri(lines["node2"])];
        cluster.tokenCommand = lines["token"];
        var env = cluster.Env();
        cluster.PostgresConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = int.Parse(env["pg_port"], CultureInfo.InvariantCulture), Database = "crsmonitor", Username = "postgres",
            Timeout = 5, Pooling = false,
        }.ConnectionString;
        await TestContext.Progress.WriteLineAsync($"cluster up: lb {cluster.LoadBalancer}, nodes {string.Join(", ", cluster.Nodes)}, state {state}");
        return cluster;
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        var (code, _, stderr) = await RunAsync("down.sh", [], TimeSpan.FromMinutes(2));
        if (code != 0)
        {
            await TestContext.Progress.WriteLineAsync($"deploy/cluster/down.sh failed (exit {code}): {stderr}");
        }
    }

    private int stopped;

    /// <summary>A token from the cluster's token command (cached while it has at least a minute left).</summary>
    public async Task<string> TokenAsync(params string[] args)
    {
        var key = string.Join(' ', args);
        await TokenLock.WaitAsync();
        try
        {
            if (tokens.TryGetValue(key, out var cached) && cached.Until > DateTime.UtcNow)
            {
                return cached.Token;
            }

            var (code, stdout, stderr) = await ProcessRun.RunAsync("bash", ["-c", tokenCommand + " \"$@\"", "token", .. args], TimeSpan.FromSeconds(60));
            Assert.That(code, Is.Zero, $"token command {tokenCommand} {key}: {stderr}");
            var token = stdout.Trim();
            var life = args.Contains("integration") ? TimeSpan.FromMinutes(4) : TimeSpan.FromHours(1);
            tokens[key] = (token, DateTime.UtcNow + life);
            return token;
        }
        finally
        {
            TokenLock.Release();
        }
    }

    public int NodePid(int node) => int.Parse(File.ReadAllText(Path.Combine(StateDirectory, $"node{node}", "pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>SIGKILL to node <paramref name="node"/> (1-based); returns once the process is gone.</summary>
    public async Task KillAsync(int node)
    {
        using var process = Process.GetProcessById(NodePid(node));
        process.Kill(); // SIGKILL on Unix
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(timeout.Token);
    }

    public bool IsRunning(int node)
    {
        try
        {
            using var process = Process.GetProcessById(NodePid(node));
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Starts a stopped or killed node again (<c>start-node.sh</c>: same port, data folder and settings) and waits until ready.</summary>
    public async Task StartNodeAsync(int node)
    {
        if (IsRunning(node))
        {
            return;
        }

        var (code, _, stderr) = await RunAsync("start-node.sh", [node.ToString(CultureInfo.InvariantCulture)], NodeStartTimeout);
        Assert.That(code, Is.Zero, $"start-node.sh {node}: {stderr}");
    }

    /// <summary><c>db.sh stop</c> (pg_ctl stop -m fast) or <c>db.sh start</c>.</summary>
    public async Task DatabaseAsync(string verb)
    {
        var (code, _, stderr) = await RunAsync("db.sh", [verb], TimeSpan.FromSeconds(90));
        Assert.That(code, Is.Zero, $"db.sh {verb}: {stderr}");
    }

    /// <summary>The console log of node <paramref name="node"/> (1-based) so far.</summary>
    public string NodeLog(int node)
    {
        using var stream = new FileStream(Path.Combine(StateDirectory, $"node{node}", "service.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async Task<NpgsqlConnection> OpenDatabaseAsync()
    {
        var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private Dictionary<string, string> Env() =>
        File.ReadAllLines(Path.Combine(StateDirectory, "cluster.env")).Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private Task<(int Code, string Stdout, string Stderr)> RunAsync(string script, string[] args, TimeSpan timeout, Dictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? [], StringComparer.Ordinal) { ["CRSMONITOR_CLUSTER_DIR"] = StateDirectory };
        return ProcessRun.RunAsync("bash", [Path.Combine(RepositoryRoot, "deploy", "cluster", script), .. args], timeout, env);
    }

    private static string Metadata(string key) =>
        typeof(LocalCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

/// <summary>Runs a program to its end within a time limit (killed past it), capturing both outputs.</summary>
internal static class ProcessRun
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(
        string program, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await stdout, $"{program} {string.Join(' ', args)} did not finish within {timeout}: killed\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}

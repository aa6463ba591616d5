using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CrsMonitor.Service.Tests.Storage;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the tests, started on first use from Debian's binaries
/// (<see cref="BinDirectory"/>: initdb, pg_ctl) in a temporary folder, on a free loopback port, trust authentication,
/// its unix socket inside that folder. initdb refuses to run as root, so as root the folder is given to the
/// <c>postgres</c> OS user (created by the Debian package) and the binaries run through <c>runuser -u postgres --</c>.
/// <see cref="StorageTestRun"/> stops it and deletes the folder when the run ends. Missing binaries fail the test
/// with a message saying how to install them; they are never skipped.
/// </summary>
public sealed class PostgresServer
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static PostgresServer? started;

    private readonly string root;
    private readonly bool asRoot;

    private PostgresServer(string root, int port, bool asRoot)
    {
        this.root = root;
        this.asRoot = asRoot;
        Port = port;
    }

    public int Port { get; }

    public string AdminConnectionString => ConnectionStringFor("postgres");

    private string DataPath => Path.Combine(root, "data");

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true }.ConnectionString;

    /// <summary>The running server (started by the first caller).</summary>
    public static async Task<PostgresServer> StartedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return started ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Stops the server if one was started and deletes its folder.</summary>
    public static async Task StopIfStartedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (started is { } server)
            {
                started = null;
                NpgsqlConnection.ClearAllPools();
                await server.RunPostgresAsync("pg_ctl", "-D", server.DataPath, "-m", "immediate", "-w", "stop");
                Directory.Delete(server.root, recursive: true);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Freezes the server until the result is disposed: SIGSTOP to the postmaster (its pid from <c>postmaster.pid</c>) and
    /// every process it started (backends, background workers), as a hung server or host would be; then SIGCONT.
    /// Connections to it are accepted by the kernel and never answered.
    /// </summary>
    public IDisposable Freeze()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(DataPath, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        var processes = new List<int> { postmaster };
        processes.AddRange(ChildrenOf(postmaster));
        Signal("-STOP", processes);
        return new Frozen(() => Signal("-CONT", processes));
    }

    /// <summary>The processes whose parent is <paramref name="parent"/> (from /proc/*/stat: the field after the name is the state, then the parent).</summary>
    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended meanwhile
            }

            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent)
            {
                yield return pid;
            }
        }
    }

    private static void Signal(string signal, IReadOnlyList<int> processes)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, .. processes.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]))!;
        kill.WaitForExit();
        Assert.That(kill.ExitCode, Is.Zero, $"kill {signal} {string.Join(' ', processes)}");
    }

    private sealed class Frozen(Action thaw) : IDisposable
    {
        public void Dispose() => thaw();
    }

    /// <summary>A new empty database on this server; returns its name.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"crsmonitor_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")) || !File.Exists(Path.Combine(BinDirectory, "pg_ctl")))
        {
            Assert.Fail($"PostgreSQL 15 is not installed ({BinDirectory}/initdb and pg_ctl are missing). The storage tests run "
                + "against a real PostgreSQL: install the Debian package with `apt-get install -y postgresql` (tests/run.sh does this).");
        }

        var asRoot = Environment.UserName == "root";
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-pg-{Guid.NewGuid():N}")).FullName;
        var server = new PostgresServer(root, FreeLoopbackPort(), asRoot);
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "socket"));
            if (asRoot)
            {
                await server.RunAsync("chown", ["-R", "postgres:postgres", root], asPostgres: false);
            }

            await server.RunPostgresAsync("initdb", "-D", server.DataPath, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync");
            var options = $"-p {server.Port} -k {Path.Combine(root, "socket")} -c listen_addresses=127.0.0.1 "
                + "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
            await server.RunPostgresAsync("pg_ctl", "-D", server.DataPath, "-l", Path.Combine(root, "server.log"), "-o", options, "-w", "-t", "60", "start");
            return server;
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL binary of <see cref="BinDirectory"/>, as the postgres OS user when we are root.</summary>
    private Task RunPostgresAsync(string binary, params string[] args) =>
        asRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(BinDirectory, binary), .. args], asPostgres: true)
            : RunAsync(Path.Combine(BinDirectory, binary), args, asPostgres: true);

    /// <summary>Runs a program (found on PATH unless a path is given); fails the test with its output if it fails.</summary>
    private async Task RunAsync(string program, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(root, "server.log");
            Assert.Fail($"{program} {string.Join(' ', args)} failed ({process.ExitCode}){(asPostgres ? " (PostgreSQL test server)" : string.Empty)}:\n"
                + $"{await stdout}\n{await stderr}" + (File.Exists(log) ? $"\nserver.log:\n{await File.ReadAllTextAsync(log)}" : string.Empty));
        }
    }
}

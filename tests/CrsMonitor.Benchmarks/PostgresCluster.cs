using System.Diagnostics;
using Npgsql;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for one benchmark run (a trimmed copy of the test fixture's PostgresServer):
/// Debian's binaries, a temporary folder, a free loopback port, trust authentication, its socket inside that folder;
/// as root it runs as the <c>postgres</c> OS user. Unlike the test fixture it keeps PostgreSQL's durable defaults
/// (fsync and synchronous_commit on), like SQLite's default FULL synchronous in WAL mode, so that a 2xx means the
/// same on both. <see cref="Cleanup"/> stops it and deletes its folder.
/// </summary>
public sealed class PostgresCluster
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly string root;
    private readonly bool asRoot;

    private PostgresCluster(string root, int port, bool asRoot)
    {
        this.root = root;
        this.asRoot = asRoot;
        Port = port;
    }

    public int Port { get; }

    private string DataPath => Path.Combine(root, "data");

    /// <summary>The postmaster's process id (first line of <c>postmaster.pid</c>); null when it cannot be read.</summary>
    public int? PostmasterPid()
    {
        try
        {
            return int.TryParse(File.ReadLines(Path.Combine(DataPath, "postmaster.pid")).FirstOrDefault(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true }.ConnectionString;

    public static async Task<PostgresCluster> StartAsync(Cleanup cleanup, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cleanup);
        if (!File.Exists(Path.Combine(BinDirectory, "initdb")) || !File.Exists(Path.Combine(BinDirectory, "pg_ctl")))
        {
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed ({BinDirectory}/initdb and pg_ctl are missing): `apt-get install -y postgresql` "
                + "(tests/run.sh does this), or run with --provider sqlite.");
        }

        var asRoot = Environment.UserName == "root";
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"crsmonitor-bench-pg-{Guid.NewGuid():N}")).FullName;
        cleanup.DeleteOnExit(root);
        var cluster = new PostgresCluster(root, Ports.FreeLoopbackPort(), asRoot);
        Directory.CreateDirectory(Path.Combine(root, "socket"));
        if (asRoot)
        {
            await cluster.RunAsync("chown", ["-R", "postgres:postgres", root], ct).ConfigureAwait(false);
        }

        await cluster.RunPostgresAsync("initdb", ["-D", cluster.DataPath, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], ct)
            .ConfigureAwait(false);
        var options = $"-p {cluster.Port} -k {Path.Combine(root, "socket")} -c listen_addresses=127.0.0.1 -c max_connections=200";
        cleanup.Add("stop PostgreSQL", () =>
        {
            NpgsqlConnection.ClearAllPools();
            using var stop = Process.Start(cluster.Start("pg_ctl", ["-D", cluster.DataPath, "-m", "immediate", "-w", "stop"]))!;
            stop.WaitForExit(60_000);
        });
        await cluster.RunPostgresAsync("pg_ctl", ["-D", cluster.DataPath, "-l", Path.Combine(root, "server.log"), "-o", options, "-w", "-t", "60", "start"], ct)
            .ConfigureAwait(false);
        return cluster;
    }

    public async Task CreateDatabaseAsync(string name, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private ProcessStartInfo Start(string binary, IReadOnlyList<string> args)
    {
        var program = Path.Combine(BinDirectory, binary);
        var start = asRoot ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. args]) : new ProcessStartInfo(program, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = root;
        return start;
    }

    private Task RunPostgresAsync(string binary, IReadOnlyList<string> args, CancellationToken ct) => RunAsync(Start(binary, args), ct);

    private Task RunAsync(string program, IReadOnlyList<string> args, CancellationToken ct) =>
        RunAsync(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root }, ct);

    private async Task RunAsync(ProcessStartInfo start, CancellationToken ct)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(root, "server.log");
            throw new InvalidOperationException(
                $"{start.FileName} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}):\n{await stdout.ConfigureAwait(false)}\n"
                + $"{await stderr.ConfigureAwait(false)}"
                + (File.Exists(log) ? $"\nserver.log:\n{await File.ReadAllTextAsync(log, ct).ConfigureAwait(false)}" : string.Empty));
        }
    }
}

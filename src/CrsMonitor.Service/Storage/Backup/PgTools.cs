using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace CrsMonitor.Service.Storage.Backup;

/// <summary>
/// PostgreSQL's own client programs (<c>pg_dump</c>, <c>pg_restore</c>), found on the search path and run with the
/// configured connection passed in libpq's environment variables (the password never on a command line).
/// </summary>
internal sealed partial class PgTools(string? searchPath)
{
    /// <summary>What one run of a tool printed.</summary>
    public sealed record Output(int ExitCode, string Stdout, string Stderr);

    /// <summary>The full path of <paramref name="tool"/> on the search path; throws <see cref="BackupException"/> (could not run) naming what to install.</summary>
    public string Find(string tool)
    {
        var folders = (searchPath ?? System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.Select(f => Path.Combine(f, tool)).FirstOrDefault(File.Exists)
            ?? throw new BackupException($"{tool} was not found on PATH: install PostgreSQL's client programs of the server's major version "
                + "or newer (Debian: apt-get install postgresql-client-15, then put /usr/lib/postgresql/15/bin first on PATH)");
    }

    /// <summary>The major version a tool reports (<c>pg_dump (PostgreSQL) 15.10 ...</c> is 15).</summary>
    public static int MajorVersion(string toolPath)
    {
        var output = Run(toolPath, ["--version"], null);
        var match = VersionLine().Match(output.Stdout);
        return output.ExitCode == 0 && match.Success
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new BackupException($"{toolPath} --version did not say its version ({output.Stdout.Trim()} {output.Stderr.Trim()})");
    }

    /// <summary>Runs a tool to its end; with <paramref name="connection"/> set, libpq's PG* variables carry it.</summary>
    public static Output Run(string toolPath, IReadOnlyList<string> args, NpgsqlConnectionStringBuilder? connection)
    {
        var start = new ProcessStartInfo(toolPath, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (connection is not null)
        {
            foreach (var (name, value) in LibpqEnvironment(connection))
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new BackupException($"{toolPath} could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new Output(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>libpq's variables for an Npgsql connection string: host(s), port, user, database, password, SSL mode, connect timeout.</summary>
    private static IEnumerable<(string Name, string? Value)> LibpqEnvironment(NpgsqlConnectionStringBuilder b)
    {
        yield return ("PGHOST", b.Host);
        yield return ("PGPORT", b.Port.ToString(CultureInfo.InvariantCulture));
        yield return ("PGDATABASE", b.Database);
        yield return ("PGCONNECT_TIMEOUT", b.Timeout.ToString(CultureInfo.InvariantCulture));
        yield return ("PGAPPNAME", "crsmonitor-backup");
        if (!string.IsNullOrEmpty(b.Username))
        {
            yield return ("PGUSER", b.Username);
        }

        if (!string.IsNullOrEmpty(b.Password))
        {
            yield return ("PGPASSWORD", b.Password);
        }

        yield return ("PGSSLMODE", b.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        });
    }

    [GeneratedRegex(@"\(PostgreSQL\) (\d+)")]
    private static partial Regex VersionLine();
}

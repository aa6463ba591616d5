using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>Which databases a run covers.</summary>
public enum ProviderChoice
{
    Sqlite,
    Postgres,
    Both,
}

/// <summary>The command line: <c>[--provider sqlite|postgres|both] [--seconds N] [--warmup N] [--quick] [--out FILE]</c>.</summary>
public sealed record BenchmarkOptions(
    ProviderChoice Provider, int Seconds, int WarmupSeconds, int Patients, int PacedRate, string? OutputFile, string? ServiceDll, bool Ceilings = true)
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/CrsMonitor.Benchmarks -- [options]
          --provider sqlite|postgres|both   databases to measure (default both)
          --seconds N                       measured seconds per scenario (default 10, 1-120)
          --warmup N                        unmeasured warm-up seconds before each scenario (default 3; --quick: 1)
          --quick                           3 s per scenario, 1 s warm-up
          --patients N                      patients the Observations are spread over (default 50)
          --paced-rate N                    observations/s of the open-loop latency scenario on SQLite (default 1000)
          --out FILE                        also write the Markdown report to FILE
          --service-dll PATH                CrsMonitor.Service.dll to start (default: the one built beside this program)
          --no-ceilings                     measure the service only (no ratios; for profiling)
        Everything listens on 127.0.0.1 only; each scenario is bounded in time; child processes and temporary folders
        are removed at the end, also on failure.
        """;

    public bool IncludesSqlite => Provider is ProviderChoice.Sqlite or ProviderChoice.Both;

    public bool IncludesPostgres => Provider is ProviderChoice.Postgres or ProviderChoice.Both;

    /// <summary>Parses the arguments; null with <paramref name="error"/> set when they are wrong.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        error = null;
        var provider = ProviderChoice.Both;
        int? seconds = null, warmup = null;
        var patients = 50;
        var paced = 1000;
        var quick = false;
        var ceilings = true;
        string? output = null, dll = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (name)
            {
                case "--quick":
                    quick = true;
                    break;
                case "--no-ceilings":
                    ceilings = false;
                    break;
                case "--provider":
                    var p = Value();
                    provider = p switch
                    {
                        "sqlite" => ProviderChoice.Sqlite,
                        "postgres" => ProviderChoice.Postgres,
                        "both" => ProviderChoice.Both,
                        _ => (ProviderChoice)(-1),
                    };
                    if (!Enum.IsDefined(provider))
                    {
                        error = $"--provider '{p}': one of sqlite, postgres, both";
                        return null;
                    }

                    break;
                case "--seconds":
                    seconds = Number(name, Value(), 1, 120, ref error);
                    break;
                case "--warmup":
                    warmup = Number(name, Value(), 0, 60, ref error);
                    break;
                case "--patients":
                    patients = Number(name, Value(), 1, 1000, ref error) ?? patients;
                    break;
                case "--paced-rate":
                    paced = Number(name, Value(), 1, 20000, ref error) ?? paced;
                    break;
                case "--out":
                    output = Value() ?? string.Empty;
                    break;
                case "--service-dll":
                    dll = Value() ?? string.Empty;
                    break;
                default:
                    error = $"unknown option '{name}'";
                    return null;
            }

            if (error is not null)
            {
                return null;
            }
        }

        if (output is "" || dll is "")
        {
            error = "--out and --service-dll need a value";
            return null;
        }

        return new BenchmarkOptions(provider, seconds ?? (quick ? 3 : 10), warmup ?? (quick ? 1 : 3), patients, paced, output, dll, ceilings);
    }

    private static int? Number(string name, string? text, int min, int max, ref string? error)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        error = $"{name} '{text}': a whole number from {min} to {max}";
        return null;
    }
}

using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>Which databases a run covers.</summary>
public enum ProviderChoice
{
    Sqlite,
    Postgres,
    Both,
}

/// <summary>Which scenario sets a run covers.</summary>
public enum ScenarioChoice
{
    /// <summary>The ingest benchmark (issue 3): throughput and latency of FHIR writes.</summary>
    Ingest,

    /// <summary>The alert benchmark (issue 5): alert latency to a SignalR dashboard, 1,000 dashboards on one node.</summary>
    Alerts,

    /// <summary>The long-course benchmark (issue 12): single-POST latency of patients with 0, 10,000 and 80,000 readings of history.</summary>
    LongCourse,

    /// <summary>
    /// The MLLP scenario (issue 15) alone: HL7 v2 ORU^R01 over MLLP side by side with FHIR POSTs of the same vital signs,
    /// against one service process (the ingest set runs it too, after its own scenarios).
    /// </summary>
    Mllp,

    /// <summary>The home-monitoring scenario (issue 17): N home patients' device streams at the real rates and faster.</summary>
    Home,

    /// <summary>Every set: ingest (with the MLLP scenario), alerts, long course, home, one report after the other.</summary>
    All,
}

/// <summary>
/// The command line: <c>[--scenario ingest|mllp|alerts|long-course|all] [--provider sqlite|postgres|both] [--seconds N] [--warmup N] [--quick] [--out FILE]</c>
/// and the options of each scenario set.
/// </summary>
public sealed record BenchmarkOptions(
    ProviderChoice Provider, int Seconds, int WarmupSeconds, int Patients, int PacedRate, string? OutputFile, string? ServiceDll, bool Ceilings = true)
{
    /// <summary>The scenario sets to run (default: the ingest benchmark).</summary>
    public ScenarioChoice Scenario { get; init; } = ScenarioChoice.Ingest;

    /// <summary>Alerts: background observations/s (other unit, open loop) of the loaded latency scenarios, one scenario each.</summary>
    public IReadOnlyList<int> BackgroundRates { get; init; } = [500];

    /// <summary>Alerts: measured alerts/s (each a new patient's fever, open loop) of the latency scenarios.</summary>
    public int AlertRate { get; init; } = 20;

    /// <summary>Alerts: SignalR connections of the fan-out scenario.</summary>
    public int Dashboards { get; init; } = 1000;

    /// <summary>Alerts: unit-wide alerts raised (one after the other) to the connected dashboards.</summary>
    public int FanoutRounds { get; init; } = 10;

    /// <summary>Alerts: ThreadPool.SetMinThreads for this process (0: leave the runtime's default).</summary>
    public int MinThreads { get; init; }

    /// <summary>Long course: readings of history of each measured patient, one patient per size (default 0, 10,000, 80,000).</summary>
    public IReadOnlyList<int> History { get; init; } = [0, 10_000, 80_000];

    /// <summary>Long course: measured single POSTs per patient, after <see cref="PostWarmup"/> unmeasured ones.</summary>
    public int Posts { get; init; } = 300;

    /// <summary>Long course: unmeasured single POSTs per patient before the measured ones.</summary>
    public int PostWarmup { get; init; } = 30;

    /// <summary>MLLP: concurrent connections (and FHIR clients, the same number) of the side-by-side scenarios, one pair per count.</summary>
    public IReadOnlyList<int> MllpClients { get; init; } = [1, 8];

    /// <summary>Home: patients at home, each streaming at the real rates (default 500).</summary>
    public int HomePatients { get; init; } = 500;

    /// <summary>Home: the speed-ups of the phases (default 1, 4, 16): k sends every stream k times as often.</summary>
    public IReadOnlyList<int> HomeSpeedups { get; init; } = [1, 4, 16];

    /// <summary>Home: seconds per phase (default 60: every stream's slowest wearable signal twice; --quick: 20).</summary>
    public int HomeSeconds { get; init; } = 60;

    public bool IncludesHome => Scenario is ScenarioChoice.Home or ScenarioChoice.All;

    public bool IncludesLongCourse => Scenario is ScenarioChoice.LongCourse or ScenarioChoice.All;

    public bool IncludesIngest => Scenario is ScenarioChoice.Ingest or ScenarioChoice.All;

    /// <summary>The MLLP scenario: alone (<c>--scenario mllp</c>), or after the ingest scenarios on the same service process.</summary>
    public bool IncludesMllp => Scenario is ScenarioChoice.Mllp or ScenarioChoice.Ingest or ScenarioChoice.All;

    public bool IncludesAlerts => Scenario is ScenarioChoice.Alerts or ScenarioChoice.All;

    public const string Usage = """
        usage: dotnet run -c Release --project tests/CrsMonitor.Benchmarks -- [options]
          --scenario ingest|mllp|alerts|long-course|home|all
                                            scenario sets (default ingest: the FHIR write benchmark, then the MLLP scenario;
                                            mllp: only HL7 v2 ORU^R01 over MLLP side by side with FHIR POSTs of the same
                                            vital signs, one service process; alerts: SignalR alert latency idle and under
                                            background load, 1,000 dashboards, bare SignalR ceiling; long-course:
                                            single-POST latency by readings of history; home: N home patients'
                                            device streams at the real rates and faster; all: every set)
          --provider sqlite|postgres|both   databases to measure (default both)
          --seconds N                       measured seconds per scenario (default 10, 1-120)
          --warmup N                        unmeasured warm-up seconds before each scenario (default 3; --quick: 1)
          --quick                           3 s per scenario, 1 s warm-up
          --patients N                      patients the Observations are spread over (default 50)
          --paced-rate N                    observations/s of the open-loop latency scenario on SQLite (default 1000)
          --background-rate N[,N...]        alerts: background observations/s on another unit, one loaded scenario per
                                            rate (default 500; 0: none)
          --alert-rate N                    alerts: measured fevers/s, each a new patient (default 20)
          --dashboards N                    alerts: SignalR connections of the fan-out scenario (default 1000)
          --fanout-rounds N                 alerts: unit-wide alerts sent to them (default 10; --quick: 3)
          --min-threads N                   alerts: ThreadPool.SetMinThreads(N, N) in this process (default: runtime default)
          --mllp-clients N[,N...]           mllp: concurrent MLLP connections, and FHIR clients, one pair of scenarios per
                                            count (default 1,8)
          --history N[,N...]                long-course: readings of history, one patient per size (default 0,10000,80000)
          --posts N                         long-course: measured POSTs per patient, round-robin (default 300; --quick: 100)
          --post-warmup N                   long-course: unmeasured POSTs per patient first (default 30; --quick: 10)
          --home-patients N                 home: patients at home (default 500)
          --speedups N[,N...]               home: speed-ups of the phases (default 1,4,16)
          --home-seconds N                  home: seconds per phase (default 60; --quick: 20)
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
        var scenario = ScenarioChoice.Ingest;
        int alertRate = 20, dashboards = 1000, minThreads = 0;
        IReadOnlyList<int> background = [500];
        int? rounds = null, posts = null, postWarmup = null;
        IReadOnlyList<int> history = [0, 10_000, 80_000];
        IReadOnlyList<int> mllpClients = [1, 8];
        IReadOnlyList<int> speedups = [1, 4, 16];
        int homePatients = 500;
        int? homeSeconds = null;
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
                case "--scenario":
                    var sc = Value();
                    scenario = sc switch
                    {
                        "ingest" => ScenarioChoice.Ingest,
                        "alerts" => ScenarioChoice.Alerts,
                        "long-course" => ScenarioChoice.LongCourse,
                        "mllp" => ScenarioChoice.Mllp,
                        "home" => ScenarioChoice.Home,
                        "all" => ScenarioChoice.All,
                        _ => (ScenarioChoice)(-1),
                    };
                    if (!Enum.IsDefined(scenario))
                    {
                        error = $"--scenario '{sc}': one of ingest, mllp, alerts, long-course, home, all";
                        return null;
                    }

                    break;
                case "--background-rate":
                    var rates = new List<int>();
                    foreach (var rate in (Value() ?? string.Empty).Split(','))
                    {
                        if (Number(name, rate, 0, 20000, ref error) is > 0 and var r && !rates.Contains(r))
                        {
                            rates.Add(r);
                        }
                    }

                    background = rates;
                    break;
                case "--history":
                    var sizes = new SortedSet<int>();
                    foreach (var size in (Value() ?? string.Empty).Split(','))
                    {
                        if (Number(name, size, 0, 1_000_000, ref error) is { } h)
                        {
                            sizes.Add(h);
                        }
                    }

                    history = [.. sizes];
                    break;
                case "--mllp-clients":
                    var counts = new SortedSet<int>();
                    foreach (var count in (Value() ?? string.Empty).Split(','))
                    {
                        if (Number(name, count, 1, 60, ref error) is { } c)
                        {
                            counts.Add(c);
                        }
                    }

                    mllpClients = [.. counts];
                    break;
                case "--speedups":
                    var factors = new SortedSet<int>();
                    foreach (var factor in (Value() ?? string.Empty).Split(','))
                    {
                        if (Number(name, factor, 1, 100, ref error) is { } f)
                        {
                            factors.Add(f);
                        }
                    }

                    speedups = [.. factors];
                    break;
                case "--home-patients":
                    homePatients = Number(name, Value(), 1, 5000, ref error) ?? homePatients;
                    break;
                case "--home-seconds":
                    homeSeconds = Number(name, Value(), 5, 600, ref error);
                    break;
                case "--posts":
                    posts = Number(name, Value(), 1, 100_000, ref error);
                    break;
                case "--post-warmup":
                    postWarmup = Number(name, Value(), 0, 10_000, ref error);
                    break;
                case "--alert-rate":
                    alertRate = Number(name, Value(), 1, 200, ref error) ?? alertRate;
                    break;
                case "--dashboards":
                    dashboards = Number(name, Value(), 1, 10000, ref error) ?? dashboards;
                    break;
                case "--fanout-rounds":
                    rounds = Number(name, Value(), 1, 100, ref error);
                    break;
                case "--min-threads":
                    minThreads = Number(name, Value(), 1, 1000, ref error) ?? minThreads;
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

        return new BenchmarkOptions(provider, seconds ?? (quick ? 3 : 10), warmup ?? (quick ? 1 : 3), patients, paced, output, dll, ceilings)
        {
            Scenario = scenario,
            BackgroundRates = background,
            AlertRate = alertRate,
            Dashboards = dashboards,
            FanoutRounds = rounds ?? (quick ? 3 : 10),
            MinThreads = minThreads,
            History = history,
            MllpClients = mllpClients,
            Posts = posts ?? (quick ? 100 : 300),
            PostWarmup = postWarmup ?? (quick ? 10 : 30),
            HomePatients = homePatients,
            HomeSpeedups = speedups,
            HomeSeconds = homeSeconds ?? (quick ? 20 : 60),
        };
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

using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// How much of the machine something else used during a scenario (Linux <c>/proc</c>): all busy CPU time minus that of
/// this process, its children (the service) and the <c>postgres</c> user's processes. On a shared 2-core machine a
/// build next door halves the numbers; this makes that visible. Null where <c>/proc</c> is not there.
/// </summary>
public sealed class MachineLoad
{
    private readonly long busy;
    private readonly long total;
    private readonly long own;

    private MachineLoad(long busy, long total, long own)
    {
        this.busy = busy;
        this.total = total;
        this.own = own;
    }

    public static MachineLoad? Sample()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            // user nice system idle iowait irq softirq steal ...
            var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
            return new MachineLoad(busy, busy + cpu[3] + cpu[4], OwnJiffies());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The share of the whole machine (0-100 %) that other processes used between two samples.</summary>
    public static double? OthersPercent(MachineLoad? before, MachineLoad? after)
    {
        if (before is null || after is null || after.total <= before.total)
        {
            return null;
        }

        var others = (after.busy - before.busy) - (after.own - before.own);
        return Math.Clamp(100.0 * others / (after.total - before.total), 0, 100);
    }

    /// <summary>CPU jiffies of this process tree and of the postgres user's processes.</summary>
    private static long OwnJiffies()
    {
        var postgresUid = PostgresUid();
        var processes = new Dictionary<int, (int Parent, long Jiffies, bool Postgres)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid ... utime(14) stime(15): fields after the closing parenthesis.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var jiffies = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                var postgres = postgresUid is { } uid && File.ReadLines(Path.Combine(dir, "status"))
                    .FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, var real, ..]
                    && real == uid;
                processes[pid] = (parent, jiffies, postgres);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }

        var self = Environment.ProcessId;
        long sum = 0;
        foreach (var (pid, (_, jiffies, postgres)) in processes)
        {
            var ancestor = pid;
            for (var depth = 0; depth < 64 && ancestor > 1 && ancestor != self; depth++)
            {
                ancestor = processes.TryGetValue(ancestor, out var p) ? p.Parent : 0;
            }

            if (ancestor == self || postgres)
            {
                sum += jiffies;
            }
        }

        return sum;
    }

    private static string? PostgresUid()
    {
        try
        {
            return File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f is ["postgres", _, _, ..]) is { } entry ? entry[2] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

using System.Globalization;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// The CPU time one process (the service) used, from Linux <c>/proc/{pid}/stat</c> (user + system, in clock ticks of
/// 100 Hz): sampled around a phase, it gives the share of the whole machine the service needed for that load. Null
/// where <c>/proc</c> is not there.
/// </summary>
public sealed record ProcessCpu(long Ticks, long WallTimestamp)
{
    private const double TicksPerSecond = 100;

    public static ProcessCpu? Sample(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            // The command name is in parentheses and may hold spaces: the fields after it are counted from its end.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessCpu(ticks, System.Diagnostics.Stopwatch.GetTimestamp());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The share of the whole machine (0-100 %, all cores) the process used between two samples.</summary>
    public static double? MachinePercent(ProcessCpu? before, ProcessCpu? after)
    {
        if (before is null || after is null || after.WallTimestamp <= before.WallTimestamp)
        {
            return null;
        }

        var wall = (double)(after.WallTimestamp - before.WallTimestamp) / System.Diagnostics.Stopwatch.Frequency;
        return 100.0 * (after.Ticks - before.Ticks) / TicksPerSecond / wall / Environment.ProcessorCount;
    }
}

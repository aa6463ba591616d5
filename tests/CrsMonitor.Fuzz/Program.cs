using System.Diagnostics;
using SharpFuzz;

namespace CrsMonitor.Fuzz;

/// <summary>
/// <c>CrsMonitor.Fuzz fhir|neuro|er7</c>: under afl-fuzz, its fork server in process (run.sh); alone, one input from stdin.
/// With FUZZ_LAST_INPUT set, each input is first written to that file (the one a killed process was running).
/// <c>CrsMonitor.Fuzz replay fhir|neuro|er7 PATH...</c>: each file (or each file of each folder) with its outcome, its time
/// and the stack of anything thrown; exit 1 when anything threw. For triage of afl's crashes and hangs.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: CrsMonitor.Fuzz fhir|neuro|er7  |  CrsMonitor.Fuzz replay fhir|neuro|er7 PATH...";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || Target(args[args[0] == "replay" && args.Length > 1 ? 1 : 0]) is not { } target)
        {
            await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        if (args[0] != "replay")
        {
            // afl kills the process on a timeout (SharpFuzz runs in process): the input is then only in this file.
            var lastInput = Environment.GetEnvironmentVariable("FUZZ_LAST_INPUT");
            Fuzzer.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var input = buffer.ToArray();
                if (!string.IsNullOrEmpty(lastInput))
                {
                    File.WriteAllBytes(lastInput, input);
                }

                target(input);
            });
            return 0;
        }

        var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        var threw = 0;
        foreach (var file in files)
        {
            var input = await File.ReadAllBytesAsync(file).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            try
            {
                var outcome = target(input);
                Console.WriteLine($"{file}\t{clock.ElapsedMilliseconds} ms\t{Shorten(outcome.ToString() ?? string.Empty)}");
            }
#pragma warning disable CA1031 // Triage: every exception is reported with its stack, whatever its type.
            catch (Exception e)
#pragma warning restore CA1031
            {
                threw++;
                Console.WriteLine($"{file}\t{clock.ElapsedMilliseconds} ms\tTHREW {e}");
            }
        }

        Console.WriteLine($"{files.Count} input(s), {threw} threw");
        return threw == 0 ? 0 : 1;
    }

    private static Func<ReadOnlyMemory<byte>, object>? Target(string name) => name switch
    {
        "fhir" => FuzzTargets.Fhir,
        "neuro" => FuzzTargets.Neuro,
        "er7" => Er7FuzzTarget.Er7,
        _ => null,
    };

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}

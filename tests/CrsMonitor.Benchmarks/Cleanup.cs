using System.Diagnostics;

namespace CrsMonitor.Benchmarks;

/// <summary>
/// What the run must undo whatever happens: child processes to kill, a PostgreSQL cluster to stop, temporary folders
/// to delete. Runs last-registered first, once, at the end of the run or when the process is asked to exit.
/// </summary>
public sealed class Cleanup
{
    private readonly List<(string What, Action Undo)> steps = [];
    private int done;

    public void Add(string what, Action undo)
    {
        lock (steps)
        {
            steps.Add((what, undo));
        }
    }

    public void KillOnExit(Process process, string what) => Add(what, () =>
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
    });

    public void DeleteOnExit(string folder) => Add($"delete {folder}", () =>
    {
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    });

    /// <summary>Runs every step (each failure is reported and the others still run).</summary>
    public void Run()
    {
        if (Interlocked.Exchange(ref done, 1) == 1)
        {
            return;
        }

        List<(string What, Action Undo)> todo;
        lock (steps)
        {
            todo = [.. steps];
            todo.Reverse();
            steps.Clear();
        }

        foreach (var (what, undo) in todo)
        {
            try
            {
                undo();
            }
#pragma warning disable CA1031 // Clean-up reports every failure and goes on with the next step.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Console.Error.WriteLine($"cleanup: {what}: {e.Message}");
            }
        }
    }
}

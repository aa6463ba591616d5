namespace CrsMonitor.Service.Storage.Backup;

/// <summary>The exit codes of <c>backup</c> and <c>restore</c>, as those of <c>verify-audit</c>.</summary>
public static class BackupExit
{
    /// <summary>Written (backup) or restored, and every check passed.</summary>
    public const int Done = 0;

    /// <summary>A check failed: the copy or backup file is damaged, not ours, from a newer version, or the restored audit does not verify.</summary>
    public const int CheckFailed = 1;

    /// <summary>Could not run: settings, a missing file, a target in use or already there, a missing or too old tool, an unreachable database.</summary>
    public const int CouldNotRun = 2;
}

/// <summary>Stops a backup or restore with one line for the operator and its exit code (<see cref="BackupExit"/>).</summary>
public sealed class BackupException : Exception
{
    public BackupException()
    {
    }

    public BackupException(string message)
        : this(BackupExit.CouldNotRun, message)
    {
    }

    public BackupException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = BackupExit.CouldNotRun;

    public BackupException(int exitCode, string message, Exception? innerException = null)
        : base(message, innerException) => ExitCode = exitCode;

    public int ExitCode { get; } = BackupExit.CouldNotRun;

    public static BackupException Check(string message, Exception? innerException = null) => new(BackupExit.CheckFailed, message, innerException);
}

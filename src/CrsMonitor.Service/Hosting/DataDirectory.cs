namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The folder where CrsMonitor keeps everything it stores (the development signing key now; the SQLite database
/// later). Chosen by configuration <c>CrsMonitor:DataDirectory</c>, else the environment variable
/// <c>CRSMONITOR_DATA</c>, else <c>./data</c>; a relative path is relative to the current directory.
/// </summary>
public sealed class DataDirectory
{
    public const string ConfigurationKey = "CrsMonitor:DataDirectory";
    public const string EnvironmentVariable = "CRSMONITOR_DATA";
    public const string DefaultPath = "data";

    public DataDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FullPath = System.IO.Path.GetFullPath(path);
    }

    public string FullPath { get; }

    public static DataDirectory FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string?[] candidates = [configuration[ConfigurationKey], Environment.GetEnvironmentVariable(EnvironmentVariable), DefaultPath];
        return new DataDirectory(candidates.First(c => !string.IsNullOrWhiteSpace(c))!);
    }

    public string PathOf(string fileName) => System.IO.Path.Combine(FullPath, fileName);

    /// <summary>Creates the folder if missing; on Unix a new folder is owner-only (0700): it will hold patient data.</summary>
    public void EnsureExists()
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(FullPath);
            }
            else
            {
                Directory.CreateDirectory(FullPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupConfigurationException(
                $"Cannot create the data folder '{FullPath}' ({e.Message}). Set {ConfigurationKey} or {EnvironmentVariable} to a writable folder.", e);
        }
    }
}

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The configuration or the data folder does not allow the service to start. The message names the setting or the
/// path and says what to do; Program prints it without a stack trace and exits with code 1.
/// </summary>
public sealed class StartupConfigurationException : Exception
{
    public StartupConfigurationException()
    {
    }

    public StartupConfigurationException(string message)
        : base(message)
    {
    }

    public StartupConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

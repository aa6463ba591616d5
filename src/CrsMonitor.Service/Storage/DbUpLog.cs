using System.Globalization;
using DbUp.Engine.Output;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// DbUp's narration (every step of every run) goes to the log at Debug; its warnings and errors keep their level.
/// What a run applied is logged once at Information by the caller.
/// </summary>
internal sealed partial class DbUpLog(ILogger logger) : IUpgradeLog
{
    public void LogTrace(string format, params object[] args) => Detail(format, args);

    public void LogDebug(string format, params object[] args) => Detail(format, args);

    public void LogInformation(string format, params object[] args) => Detail(format, args);

    public void LogWarning(string format, params object[] args) => LogWarn(logger, Text(format, args));

    public void LogError(string format, params object[] args) => LogFailure(logger, null, Text(format, args));

    public void LogError(Exception ex, string format, params object[] args) => LogFailure(logger, ex, Text(format, args));

    private void Detail(string format, object[] args)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
            var text = Text(format, args);
            LogDetail(logger, text);
        }
    }

    private static string Text(string format, object[] args) =>
        args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DbUp: {Message}")]
    private static partial void LogDetail(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DbUp: {Message}")]
    private static partial void LogWarn(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "DbUp: {Message}")]
    private static partial void LogFailure(ILogger logger, Exception? exception, string message);
}

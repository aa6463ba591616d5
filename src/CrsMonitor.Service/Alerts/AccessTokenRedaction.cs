using System.Collections;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Keeps the hub's <c>access_token</c> query parameter (browsers cannot send a bearer header on a WebSocket) out of every
/// log, whatever the configured levels: ASP.NET Core's request log ("Request starting ... /hubs/alerts?access_token=...",
/// category <c>Microsoft.AspNetCore.Hosting.Diagnostics</c>) writes the full query string at Information, so a log
/// level turned up for support would otherwise write bearer tokens to disk. The logger factory is wrapped: an entry
/// whose structured values or message carry <c>access_token=</c> is passed on with the value replaced by
/// <c>[redacted]</c>, in its message and in its values; every other entry is passed on untouched.
/// </summary>
internal static partial class AccessTokenRedaction
{
    public const string Replacement = "access_token=[redacted]";
    private const string Marker = "access_token=";

    /// <summary>Wraps the registered <see cref="ILoggerFactory"/> (call after the host registered logging).</summary>
    public static IServiceCollection AddAccessTokenRedaction(this IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService);
        if (registered is null || services.Any(d => d.ServiceType == typeof(Wrapped)))
        {
            return services;
        }

        services.Remove(registered);
        services.AddSingleton<Wrapped>();
        services.AddSingleton<ILoggerFactory>(sp => new RedactingLoggerFactory(Create(sp, registered)));
        return services;
    }

    /// <summary>The text with every <c>access_token=value</c> replaced; the same instance when there is none.</summary>
    public static string Redact(string text) =>
        text.Contains(Marker, StringComparison.OrdinalIgnoreCase) ? Token().Replace(text, Replacement) : text;

    private static ILoggerFactory Create(IServiceProvider sp, ServiceDescriptor registered)
    {
        if (registered.ImplementationInstance is ILoggerFactory instance)
        {
            return instance;
        }

        if (registered.ImplementationFactory is { } factory)
        {
            return (ILoggerFactory)factory(sp);
        }

        // What AddLogging registers, built as the container builds it.
        return registered.ImplementationType == typeof(LoggerFactory)
            ? new LoggerFactory(
                sp.GetServices<ILoggerProvider>(), sp.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
                sp.GetService<IOptions<LoggerFactoryOptions>>(), sp.GetService<IExternalScopeProvider>())
            : (ILoggerFactory)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!);
    }

    private static bool Carries(object? value) => value is string s && s.Contains(Marker, StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("access_token=[^&\\s#\"']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Token();

    /// <summary>Marks a service collection whose logger factory is already wrapped.</summary>
    private sealed class Wrapped;

    private sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            var carries = state is IReadOnlyList<KeyValuePair<string, object?>> values
                ? values.Any(v => Carries(v.Value))
                : Carries(formatter(state, exception));
            if (!carries)
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var redacted = new RedactedValues(
                state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                    ? [.. pairs.Select(p => Carries(p.Value) ? new KeyValuePair<string, object?>(p.Key, Redact((string)p.Value!)) : p)]
                    : [],
                Redact(formatter(state, exception)));
            inner.Log(logLevel, eventId, redacted, exception, static (s, _) => s.Message);
        }
    }

    /// <summary>A log entry's values and message with the token replaced.</summary>
    private sealed class RedactedValues(IReadOnlyList<KeyValuePair<string, object?>> values, string message) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => message;
    }
}

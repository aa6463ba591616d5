using System.Collections;
using Microsoft.Extensions.Logging.Console;

namespace CrsMonitor.Service.Hosting.Telemetry;

/// <summary>
/// Every log entry written while a request runs carries the request's correlation id (<c>CorrelationId</c>, the
/// <c>X-Correlation-Id</c> header and the audit row's <c>correlation_id</c>: <see cref="HttpContext.TraceIdentifier"/>),
/// as a log scope that the console formatters print (simple and JSON: <c>IncludeScopes</c> on unless configured off).
/// <para>
/// The scope provider keeps only this scope: ASP.NET Core's own request scope carries the request path, which may name
/// a patient (<c>/api/patients/{id}/status</c>), and would put it on every line of the request.
/// </para>
/// </summary>
public static class CorrelationLogScope
{
    public const string Key = "CorrelationId";

    public static IServiceCollection AddCorrelationLogScope(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IExternalScopeProvider, CorrelationOnlyScopeProvider>();

        // Scopes printed by default; Logging:Console:FormatterOptions:IncludeScopes=false still turns them off.
        if (configuration["Logging:Console:FormatterOptions:IncludeScopes"] is null)
        {
            services.Configure<SimpleConsoleFormatterOptions>(o => o.IncludeScopes = true);
            services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);

            // Without Logging:Console:FormatterName the console provider copies its own (obsolete) options over the
            // simple formatter's, IncludeScopes included.
#pragma warning disable CS0618
            services.Configure<ConsoleLoggerOptions>(o => o.IncludeScopes = true);
#pragma warning restore CS0618
        }

        return services;
    }

    /// <summary>Opens the scope around the rest of the pipeline (first middleware, so the error handlers' entries carry it too).</summary>
    public static IApplicationBuilder UseCorrelationLogScope(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CorrelationLogScope).FullName!);
            using (logger.BeginScope(new Scope(context.TraceIdentifier)))
            {
                await next(context).ConfigureAwait(false);
            }
        });

    /// <summary>The scope's state: one value, printed as <c>CorrelationId:0HN...:00000001</c>.</summary>
    internal sealed class Scope(string correlationId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new(Key, correlationId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{Key}:{correlationId}";
    }

    /// <summary>The logger factory's scope store, keeping only <see cref="Scope"/> (other scopes are not stored).</summary>
    private sealed class CorrelationOnlyScopeProvider : IExternalScopeProvider
    {
        private readonly LoggerExternalScopeProvider inner = new();

        public void ForEachScope<TState>(Action<object?, TState> callback, TState state) => inner.ForEachScope(callback, state);

        public IDisposable Push(object? state) => state is Scope ? inner.Push(state) : NoScope.Instance;

        private sealed class NoScope : IDisposable
        {
            public static readonly NoScope Instance = new();

            public void Dispose()
            {
            }
        }
    }
}

using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Tests.Alerts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// A log entry written while a request runs carries the request's correlation id (the <c>X-Correlation-Id</c> header it
/// is answered with) as a scope, the console prints scopes, and the framework's request scope (with the path, which
/// may name a patient) is not kept.
/// </summary>
public sealed partial class CorrelationLogTests
{
    [Test]
    public async Task AnEntryLoggedDuringARequest_CarriesItsCorrelationId_AndNoPath()
    {
        var logs = new CapturedLogs();
        using var host = new ServiceHost(services: s =>
        {
            s.AddSingleton<ILoggerProvider>(logs);
            s.AddSingleton<IAuthorizationHandler, LoggingHandler>();
        });
        using var client = host.ClientFor(Roles.Nurse, "7W");
        using var answer = await client.GetAsync("/api/patients/p-logged-42/status");
        var correlationId = answer.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();

        var lines = logs.Lines.Where(l => l.Contains(LoggingHandler.Text, StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Is.Not.Empty);
            Assert.That(lines, Has.All.Contain($"scope CorrelationId:{correlationId}"));
            Assert.That(lines, Has.None.Contain("p-logged-42"), "the request path is not a scope");
            Assert.That(host.Services.GetRequiredService<IOptionsMonitor<SimpleConsoleFormatterOptions>>().CurrentValue.IncludeScopes,
                Is.True, "the console's simple formatter prints scopes");
#pragma warning disable CS0618 // what the console provider copies over the simple formatter's options when no formatter is named
            Assert.That(host.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.IncludeScopes, Is.True);
#pragma warning restore CS0618
        }
    }

    /// <summary>Writes one entry from inside the request (authorization runs inside the pipeline) and decides nothing.</summary>
    private sealed partial class LoggingHandler(ILogger<LoggingHandler> logger) : IAuthorizationHandler
    {
        public const string Text = "authorization seen";

        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            LogSeen(logger);
            return Task.CompletedTask;
        }

        [LoggerMessage(Level = LogLevel.Information, Message = Text)]
        private static partial void LogSeen(ILogger logger);
    }
}

namespace CrsMonitor.Service.Tests;

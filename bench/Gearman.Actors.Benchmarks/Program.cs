using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Gearman.Actors.Benchmarks -- --filter '*'              (full runs)
// dotnet run -c Release --project bench/Gearman.Actors.Benchmarks -- --filter '*' --job short  (quick look)
// Every benchmark reports Allocated per packet: single-packet benchmarks handle one packet per operation,
// batch benchmarks set OperationsPerInvoke to their packet count.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

public partial class Program;

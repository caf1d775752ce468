using DistTrain.Launcher;

// disttrain: DistTrain's launcher. Errors end the process with one line and a non-zero code;
// the stack trace is shown only with --verbose.
bool verbose = args.Contains("--verbose");
try
{
    if (args.Length > 0 && args[0] is "help" or "--help" or "-h")
    {
        Console.WriteLine(Usage.Text);
        return 0;
    }

    return args.Length > 0 && args[0] is "train"
        ? TrainCommand.Run(CommandLine.Parse(args.AsSpan(1)))
        : Usage.Fail(args.Length == 0 ? "no command given" : $"unknown command '{args[0]}'");
}
catch (UsageException exception)
{
    return Usage.Fail(exception.Message);
}
catch (Exception exception) when (!verbose)
{
    Console.Error.WriteLine($"disttrain: error: {exception.Message}");
    return 1;
}

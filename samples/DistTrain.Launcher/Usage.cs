namespace DistTrain.Launcher;

/// <summary>The launcher's help text and its one-line reply to a bad command line.</summary>
internal static class Usage
{
    public const string Text = """
        usage: disttrain train [options]

        Trains a multilayer perceptron; with no options, workload W1 (784-512-256-10, ReLU,
        Adam 1e-3, batch 128, 5 epochs) on Fashion-MNIST.

          --data DIR|synthetic     IDX data folder (default /usr/share/datasets/fashion-mnist,
                                   or a synthetic set when that is missing)
          --hidden 512,256         hidden layer sizes
          --activation NAME        relu | leaky-relu | tanh | sigmoid
          --loss NAME              cross-entropy | mse
          --optimizer NAME         adam | sgd
          --lr RATE                learning rate (adam 0.001, sgd 0.01)
          --momentum M             sgd momentum (default 0)
          --weight-decay WD        L2 weight decay (default 0)
          --batch N                global mini-batch (default 128)
          --epochs N               epochs (default 5)
          --max-steps N            stop after N steps in all
          --workers N              data-parallel workers in this process (default: core count)
          --seed N                 seed of the initial parameters and the data order (default 0)
          --no-shuffle             samples in file order every epoch
          --init FILE.safetensors  start from these parameters
          --save FILE.safetensors  write the final parameters
          --quiet                  only the summary line
          --verbose                stack traces on errors
        """;

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"disttrain: {message} (run 'disttrain train --help' for the options)");
        return 2;
    }
}

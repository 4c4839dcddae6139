/**
 * Data for training: IDX files, datasets, the seeded DataLoader, transforms, and the
 * Fashion-MNIST / MNIST locations (`--data`, $DNNKIT_DATA, Debian's package, the bundled sample).
 */
export { parseIdx, readIdx, encodeIdx, writeIdx, readIdxImagesAndLabels, type IdxArray } from './idx.js';
export { TensorDataset, ByteImageDataset, Subset, type Dataset, type Example } from './dataset.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './dataloader.js';
export { normalize, randomCrop, horizontalFlip, compose, type Transform } from './transforms.js';
export { loadDataset, locateDataset, classNames, FASHION_MNIST_CLASSES, MNIST_CLASSES, type DatasetName } from './fashion-mnist.js';

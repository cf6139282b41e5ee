"""Image classification from a folder of image files with keras.utils.image_dataset_from_directory.

In the manner of the keras.io example "Image classification from scratch": the images lie in one
sub-folder per class; image_dataset_from_directory reads them with a seeded training/validation
split (subset="both"), and a small convnet learns to tell the classes apart. The script first writes
the folder itself: PNG files of three Fashion-MNIST classes.
"""
import os

import numpy as np
from PIL import Image

import axon as keras
from axon import layers

keras.utils.set_random_seed(0)

# ----- write the folder: fashion_images/<class>/<n>.png
(x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
folders = {1: "trouser", 7: "sneaker", 8: "bag"}
per_class = 150
for label, name in folders.items():
    os.makedirs(os.path.join("fashion_images", name), exist_ok=True)
    for n, image in enumerate(x_train[y_train == label][:per_class]):
        Image.fromarray(image).save(os.path.join("fashion_images", name, f"{n}.png"))

# ----- read it back as batches
image_size = (28, 28)
batch_size = 32
train_ds, val_ds = keras.utils.image_dataset_from_directory(
    "fashion_images",
    validation_split=0.2,
    subset="both",
    seed=1337,
    color_mode="grayscale",
    image_size=image_size,
    batch_size=batch_size,
)
print("classes:", train_ds.class_names)
assert train_ds.class_names == ["bag", "sneaker", "trouser"]

for images, labels in train_ds:
    print("images:", images.shape, images.dtype, "pixel range", images.min(), images.max())
    assert images.shape == (batch_size, 28, 28, 1) and images.max() <= 255.0 and images.max() > 1.0
    assert labels.shape == (batch_size,)
    break

# ----- a small convnet
model = keras.Sequential([
    keras.Input(shape=image_size + (1,)),
    layers.Rescaling(1.0 / 255),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(len(train_ds.class_names), activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(train_ds, epochs=4, validation_data=val_ds, verbose=2)

val_loss, val_accuracy = model.evaluate(val_ds, verbose=0)
print(f"validation accuracy: {val_accuracy:.3f}")
assert history.history["val_loss"][-1] < history.history["val_loss"][0]
assert val_accuracy > 0.9, val_accuracy

# ----- a single file, as one would classify a new image
img = keras.utils.load_img(os.path.join("fashion_images", "bag", "0.png"), color_mode="grayscale",
                           target_size=image_size)
batch = np.expand_dims(keras.utils.img_to_array(img), 0)
assert train_ds.class_names[int(model.predict(batch, verbose=0).argmax())] == "bag"
